// The built `gpu-worker` command as a provider runs it (workers/gpu-worker/bin/gpu-worker.js, the
// package.json "bin"), on this machine's real Dawn and Vulkan driver (lavapipe without a GPU).
// Needs `npx nx build gpu-worker` first (the int-test target depends on it).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../../..');
const bin = path.join(root, 'workers/gpu-worker/bin/gpu-worker.js');

function gpuWorker(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, GPUX_ADAPTER: '' },
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
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
});
