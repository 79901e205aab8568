import { spawn, ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

/**
 * Where the integration tests find Kafka and Redis: KAFKA_BROKERS and REDIS_URL, as set by
 * `npm test` (local stack) or by whoever points the tests at another stack (docker compose).
 * Missing variables fail the test with what to do; they never skip it.
 */
export function infraEnv(): { KAFKA_BROKERS: string; REDIS_URL: string } {
  const { KAFKA_BROKERS, REDIS_URL } = process.env;
  if (!KAFKA_BROKERS || !REDIS_URL) {
    throw new Error(
      'integration tests need KAFKA_BROKERS and REDIS_URL: run them through `npm test`, or start the stack with ' +
        '`npm run stack up` and export the variables it prints',
    );
  }
  return { KAFKA_BROKERS, REDIS_URL };
}

/**
 * A name no other test run uses: topics, groups and keys never collide between runs. Where
 * GPUX_TEST_NAMES names a file (`npm test` sets it), the name is added to it, one per line: the
 * run deletes every topic named so or in its namespace once its tests are over
 * (infra/scripts/test-topics.js), whatever the test that took it did after.
 */
export function uniqueName(prefix: string): string {
  const name = `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const names = process.env['GPUX_TEST_NAMES'];
  if (names) appendFileSync(names, `${name}\n`);
  return name;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Polls `probe` until it returns true, or fails after `timeoutMs` with `what` in the message. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
}

/**
 * A service's `/health` report of its read model `name` once the model is whole. A service
 * started on a model without an epoch refolds it from offset 0, and reports `refolding` until its
 * runner's next epoch check. Each `refolding` seen before that is handed to `refolding`, so a
 * caller can check its shape.
 */
export async function wholeReadModelHealth(
  serviceUrl: string,
  name: string,
  refolding: (detail: unknown) => void = () => undefined,
): Promise<Record<string, unknown>> {
  let whole: Record<string, unknown> | undefined;
  await waitUntil(`the read model ${name} to be whole`, async () => {
    const response = await fetch(`${serviceUrl}/health`, { headers: { connection: 'close' } });
    if (response.status !== 200) throw new Error(`/health answered ${response.status}`);
    const body = (await response.json()) as { details: Record<string, Record<string, unknown>> };
    const model = body.details[name];
    if (!model) throw new Error(`/health reports no ${name}`);
    if (model['refolding'] !== undefined) {
      refolding(model['refolding']);
      return false;
    }
    whole = model;
    return true;
  });
  return whole!;
}

/**
 * A real redis-server of the test's own (on a free port, in a temporary folder), for tests that
 * stop Redis under a running service without disturbing the shared one. `at` names the port
 * (one a client already points at); `restart` kills it and starts it again there, empty.
 */
export class DedicatedRedis {
  private shared: Redis | undefined;

  private constructor(
    private process: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(at?: { port: number }): Promise<DedicatedRedis> {
    const port = at?.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'gpux-redis-'));
    return new DedicatedRedis(await DedicatedRedis.serve(port, dir), port, dir);
  }

  /** A redis-server on `port`, answering PING. */
  private static async serve(port: number, dir: string): Promise<ChildProcess> {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    await new Promise<void>((resolve, reject) => {
      child.once('error', (e) =>
        reject(new Error(`could not start redis-server (is it installed?): ${e.message}`)),
      );
      child.once('spawn', () => resolve());
    });
    await waitUntil(`redis-server on port ${port}`, async () => {
      const client = new Redis(`redis://127.0.0.1:${port}`, {
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
        disconnectTimeout: 50,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    });
    return child;
  }

  /** A client of this server for the test's own reads, closed by stop(). */
  client(): Redis {
    this.shared ??= new Redis(this.url, { maxRetriesPerRequest: 1, disconnectTimeout: 50 });
    return this.shared;
  }

  /** Kills the server (SIGKILL, as a crash) and starts it again on its port, empty. */
  async restart(): Promise<void> {
    await this.ended('SIGKILL');
    this.process = await DedicatedRedis.serve(this.port, this.dir);
  }

  /** Stops the server (SIGTERM, then SIGKILL) and removes its folder. */
  async stop(): Promise<void> {
    this.shared?.disconnect();
    this.shared = undefined;
    await this.ended('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async ended(signal: NodeJS.Signals): Promise<void> {
    const child = this.process;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
