// Each service as an operator runs it: the built program (`node infra/runtime/run.js
// services/<name>`, as `npm start` and the Docker images do), its configuration check, its JSON
// logs, its health endpoint and its stop on SIGTERM. Needs the build (`npm test` runs it first).
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { freePort, infraEnv, waitUntil } from '@gpux/testing';

const root = path.resolve(__dirname, '../../..');
const SERVICES = ['gateway', 'orders', 'pricing', 'settlement', 'capacity'];

function requireBuilt(service: string): void {
  const main = path.join(root, 'dist/out-tsc/services', service, 'src/main.js');
  if (!existsSync(main))
    throw new Error(`${main} is missing: build first (npx nx run-many -t build, or npm test)`);
}

function runEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'] };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

describe.each(SERVICES)('the %s process', (service) => {
  beforeAll(() => requireBuilt(service));

  it('refuses to start with a missing variable, in one line that names it', () => {
    const { REDIS_URL } = infraEnv();
    const result = spawnSync('node', ['infra/runtime/run.js', `services/${service}`], {
      cwd: root,
      env: runEnv({ REDIS_URL }),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${service}: configuration error: KAFKA_BROKERS is required`));
  });

  it('refuses a malformed variable the same way', () => {
    const result = spawnSync('node', ['infra/runtime/run.js', `services/${service}`], {
      cwd: root,
      env: runEnv({ ...infraEnv(), PORT: 'http' }),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      `${service}: configuration error: PORT must be a TCP port number (1-65535) (got "http")`,
    );
  });

  describe('when configured', () => {
    let child: ChildProcess;
    let stdout = '';
    let port: number;

    beforeAll(async () => {
      port = await freePort();
      child = spawn('node', ['infra/runtime/run.js', `services/${service}`], {
        cwd: root,
        env: runEnv({ ...infraEnv(), PORT: String(port), LOG_LEVEL: 'info' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      await waitUntil(
        `${service} /health to answer 200`,
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/health`);
          return response.status === 200;
        },
        30_000,
      );
    });

    afterAll(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    it('logs structured JSON lines, each with level, time, service and message', () => {
      const lines = stdout.trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        expect(entry).toEqual(
          expect.objectContaining({
            service,
            level: expect.any(String),
            time: expect.any(String),
            msg: expect.any(String),
          }),
        );
      }
    });

    it('stops on SIGTERM within its shutdown timeout, closing its clients', async () => {
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        // 'close', not 'exit': only then has everything the process wrote been read.
        child.once('close', (code, signal) => resolve({ code, signal })),
      );
      child.kill('SIGTERM');
      // The guard is cleared once the race is decided: a live timer would keep Jest from exiting.
      let guard: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        exited,
        new Promise<'hung'>((resolve) => (guard = setTimeout(() => resolve('hung'), 15_000))),
      ]).finally(() => clearTimeout(guard));
      expect(outcome).not.toBe('hung');
      expect(outcome).toEqual({ code: 0, signal: null });
      expect(stdout).toContain('"msg":"shutting down","signal":"SIGTERM"');
      expect(stdout).toContain('"msg":"kafka clients closed"');
    });
  });
});
