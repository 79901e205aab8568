// The built `gpu-worker` command as a provider runs it (workers/gpu-worker/bin/gpu-worker.js, the
// package.json "bin"), on this machine's real Dawn and Vulkan driver (lavapipe without a GPU).
// Needs `npx nx build gpu-worker` first (the int-test target depends on it).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
        /^gpu-worker: --adapter "no-such-gpu-anywhere" matches no adapter \(there (is|are) 0: /m,
      ),
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
    expect(text.stdout).toMatch(/^ {2}Dawn toggles: allow_unsafe_apis$/m);
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
