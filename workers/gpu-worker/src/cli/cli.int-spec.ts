// The built `gpu-worker` command as a provider runs it (workers/gpu-worker/bin/gpu-worker.js, the
// package.json "bin"), on this machine's real Dawn and Vulkan driver (lavapipe without a GPU).
// Needs `npx nx build gpu-worker` first (the int-test target depends on it).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../../..');
const bin = path.join(root, 'workers/gpu-worker/bin/gpu-worker.js');

/** The command with these arguments; the environment's adapter and Dawn toggles unset, or `env`'s. */
function gpuWorkerWith(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, GPUX_ADAPTER: '', GPUX_DAWN_TOGGLES: '', ...env },
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
const gpuWorker = (...args: string[]) => gpuWorkerWith({}, ...args);

/** gpuWorkerWith, without blocking this process: for a command that talks to a server in it. */
function gpuWorkerAsync(env: Record<string, string>, ...args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, GPUX_ADAPTER: '', GPUX_DAWN_TOGGLES: '', ...env },
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface ListedAdapter {
  index: number;
  vendor: string;
  device: string;
  description: string;
  features: string[];
  dawnToggles: string[];
}

jest.setTimeout(120_000);

describe('the gpu-worker command', () => {
  it('prints its version and every help, exit 0, on stdout', () => {
    const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(gpuWorker('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    const join = gpuWorker('join', '--help');
    expect(join).toMatchObject({ code: 0, stderr: '' });
    expect(join.stdout).toMatch(/^usage: gpu-worker join \[options\]$/m);
    expect(join.stdout).toContain('--credential-file FILE');
    expect(gpuWorker('--help')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^commands:$/m) });
  });

  it('refuses a bad option on stderr, exit 2', () => {
    expect(gpuWorker('join', '--bogus')).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(
        /^gpu-worker: unknown option --bogus for join \(.*see gpu-worker join --help\)\n$/,
      ),
    });
  });

  it('lists the adapters Dawn exposes, each with the index --adapter takes', () => {
    const listed = gpuWorker('adapters', '--json');
    expect(listed.code).toBe(0);
    const adapters = JSON.parse(listed.stdout) as {
      index: number;
      vendor: string;
      architecture: string;
      device: string;
      description: string;
      isFallbackAdapter: boolean;
    }[];
    expect(adapters.length).toBeGreaterThan(0);
    adapters.forEach((a, i) => {
      expect(a).toMatchObject({
        index: i,
        vendor: expect.any(String),
        architecture: expect.any(String),
        device: expect.any(String),
        description: expect.any(String),
        isFallbackAdapter: expect.any(Boolean),
      });
    });
    // One entry per adapter: Dawn answers several requests with the same one.
    expect(new Set(adapters.map((a) => `${a.vendor}|${a.device}|${a.description}`)).size).toBe(
      adapters.length,
    );

    const text = gpuWorker('adapters');
    expect(text.code).toBe(0);
    for (const a of adapters) expect(text.stdout).toContain(`${a.index}: `);
    expect(text.stdout).toMatch(/fallback (yes|no)/);
  });

  it('runs the self-test on the adapter --adapter names, and refuses one that is not there', () => {
    const [first] = JSON.parse(gpuWorker('adapters', '--json').stdout) as { description: string }[];
    const chosen = gpuWorker('selftest', '--adapter', '0', '--json');
    expect(chosen.code).toBe(0);
    expect(JSON.parse(chosen.stdout)).toMatchObject({ ok: true, wrong: 0, adapter: first?.description });

    const missing = gpuWorker('selftest', '--adapter', 'no-such-gpu-anywhere');
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(
        /^gpu-worker: --adapter "no-such-gpu-anywhere" matches no adapter \(there (is one adapter, |are \d+ adapters: )0: /m,
      ),
    });
    // From the environment, it is named as such; a number that is no index is refused, not matched.
    expect(gpuWorkerWith({ GPUX_ADAPTER: 'no-such-gpu-anywhere' }, 'selftest')).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(
        /^gpu-worker: GPUX_ADAPTER="no-such-gpu-anywhere" matches no adapter \(there (is one adapter, |are \d+ adapters: )0: /m,
      ),
    });
    expect(gpuWorker('selftest', '--adapter=-1')).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(
        /^gpu-worker: --adapter -1: (the only adapter index is 0|an adapter index is 0 to \d+) \(there (is one adapter, |are \d+ adapters: )0: /m,
      ),
    });
  });

  it('refuses a --model it has no peaks for before it benchmarks anything, exit 2', () => {
    expect(gpuWorker('benchmark', '--model', 'H100')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'gpu-worker: --model H100 is not a known model (H100-80GB, H200, A100-80GB, RTX-4090, L4; leave --model out for no efficiency)\n',
    });
  });

  it('hands --dawn-toggles (or GPUX_DAWN_TOGGLES) to Dawn: allow_unsafe_apis unlocks more features', () => {
    const plain = gpuWorker('adapters', '--json');
    expect(plain.code).toBe(0);
    const without = JSON.parse(plain.stdout) as ListedAdapter[];
    const unsafe = gpuWorker('adapters', '--json', '--dawn-toggles', 'allow_unsafe_apis');
    expect(unsafe.code).toBe(0);
    const withToggle = JSON.parse(unsafe.stdout) as ListedAdapter[];
    const same = (a: ListedAdapter) => `${a.vendor}|${a.device}|${a.description}`;
    expect(withToggle.map(same)).toEqual(without.map(same));
    without.forEach((a, i) => {
      const b = withToggle[i];
      expect(a.dawnToggles).toEqual([]);
      expect(b?.dawnToggles).toEqual(['allow_unsafe_apis']);
      // Every feature offered without the toggle, and more (Dawn's experimental ones).
      expect(b?.features).toEqual(expect.arrayContaining(a.features));
      expect(b?.features.length).toBeGreaterThan(a.features.length);
    });

    const fromEnv = gpuWorkerWith({ GPUX_DAWN_TOGGLES: 'allow_unsafe_apis' }, 'adapters', '--json');
    expect(fromEnv.code).toBe(0);
    expect(JSON.parse(fromEnv.stdout)).toEqual(withToggle);
    // The option wins over the environment; a leading - disables the toggle.
    const disabled = gpuWorkerWith(
      { GPUX_DAWN_TOGGLES: 'allow_unsafe_apis' },
      'adapters',
      '--json',
      '--dawn-toggles=-allow_unsafe_apis',
    );
    expect(disabled.code).toBe(0);
    expect((JSON.parse(disabled.stdout) as ListedAdapter[]).map((a) => a.features)).toEqual(
      without.map((a) => a.features),
    );

    const text = gpuWorker('adapters', '--dawn-toggles', 'allow_unsafe_apis');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^ {2}Dawn toggles asked for: allow_unsafe_apis \(Dawn ignores a name it does not know\)$/m,
    );
    // A name Dawn does not know is shown as asked for, not as in effect.
    const unknown = gpuWorker('adapters', '--dawn-toggles', 'no_such_toggle');
    expect(unknown.code).toBe(0);
    expect(unknown.stdout).toMatch(
      /^ {2}Dawn toggles asked for: no_such_toggle \(Dawn ignores a name it does not know\)$/m,
    );
    expect(gpuWorker('adapters').stdout).not.toMatch(/Dawn toggles/);
  });

  it('opens the device and passes the self-test under Dawn toggles', () => {
    const run = gpuWorker('selftest', '--json', '--dawn-toggles', 'allow_unsafe_apis');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, wrong: 0 });
  });

  it('refuses bad Dawn toggles on stderr, exit 2, saying what to type', () => {
    const example = 'vulkan_enable_f16_on_nvidia,allow_unsafe_apis';
    expect(gpuWorker('adapters', '--dawn-toggles', 'Allow-Unsafe-APIs')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'gpu-worker: --dawn-toggles expects Dawn toggle names separated by commas, each of lower-case letters, digits and _, ' +
        `a leading - to disable one, e.g. --dawn-toggles ${example}: "Allow-Unsafe-APIs" is not a toggle name (got "Allow-Unsafe-APIs")\n`,
    });
    expect(gpuWorker('benchmark', '--dawn-toggles')).toEqual({
      code: 2,
      stdout: '',
      stderr: `gpu-worker: --dawn-toggles needs Dawn toggle names separated by commas, e.g. --dawn-toggles ${example}\n`,
    });
    expect(gpuWorkerWith({ GPUX_DAWN_TOGGLES: 'a,-a' }, 'selftest')).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(
        /^gpu-worker: GPUX_DAWN_TOGGLES expects .*: "a" is both enabled and disabled \(got "a,-a"\)\n$/,
      ),
    });
    expect(
      gpuWorkerWith({ GPUX_NODE_CREDENTIAL: 'gpxn_x' }, 'join', '--once', '--dawn-toggles', 'a,,b'),
    ).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(
        /^gpu-worker: --dawn-toggles expects .*: a name is empty \(got "a,,b"\)\n$/,
      ),
    });
  });

  it('join: a gateway URL that answers 404 is a bad option, exit 2, named as it was given', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<pre>Cannot POST /</pre>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const credential = { GPUX_NODE_CREDENTIAL: 'gpxn_x' };
      const given = await gpuWorkerAsync(credential, 'join', '--gateway', origin);
      expect(given.code).toBe(2);
      expect(given.stderr).toMatch(
        new RegExp(
          `^gpu-worker: --gateway ${origin} answered 404: is it the GraphQL endpoint\\? e\\.g\\. ${origin}/graphql$`,
          'm',
        ),
      );
      const fromEnv = await gpuWorkerAsync({ ...credential, GPUX_GATEWAY_URL: origin }, 'join', '--once');
      expect(fromEnv.code).toBe(2);
      expect(fromEnv.stderr).toMatch(
        new RegExp(`^gpu-worker: GPUX_GATEWAY_URL=${origin} answered 404: `, 'm'),
      );
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('lists --dawn-toggles in the help of every command that opens the GPU', () => {
    for (const command of ['adapters', 'selftest', 'benchmark', 'join']) {
      const help = gpuWorker(command, '--help');
      expect(help).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toMatch(
        /^ {2}--dawn-toggles NAME,NAME,… +Dawn toggles .*vulkan_enable_f16_on_nvidia.*allow_unsafe_apis.*\(default: \$GPUX_DAWN_TOGGLES, else none\)$/m,
      );
    }
  });
});
