// A Kafka broker of one test's own, to crash and start again under running services without
// disturbing the shared one: the repository's own infra/scripts/kafka.sh (the broker `npm start`
// runs), in a run folder and on ports of its own.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitUntil } from '@gpux/testing';
import { REPO_ROOT } from './marketplace';

export class DedicatedKafka {
  private constructor(
    readonly port: number,
    private readonly runDir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** What KAFKA_BROKERS is for a client of this broker. */
  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(): Promise<DedicatedKafka> {
    const port = await freePort();
    let controller = await freePort();
    while (controller === port) controller = await freePort();
    const runDir = mkdtempSync(join(tmpdir(), 'gpux-kafka-'));
    const kafka = new DedicatedKafka(port, runDir, {
      ...process.env,
      GPUX_RUN_DIR: runDir,
      GPUX_KAFKA_PORT: String(port),
      GPUX_KAFKA_CONTROLLER_PORT: String(controller),
    });
    await kafka.script('up');
    return kafka;
  }

  /** Kills the broker with SIGKILL (a crash); what it wrote stays for `restart`. */
  async kill(): Promise<void> {
    const pid = Number(readFileSync(join(this.runDir, 'kafka/kafka.pid'), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    await waitUntil(`the broker (pid ${pid}) to die`, () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
  }

  /** Starts the broker again on its port and its data, as an operator would after a crash. */
  restart(): Promise<void> {
    return this.script('up');
  }

  /** Stops the broker and removes its folder. */
  async stop(): Promise<void> {
    await this.script('down').catch(() => undefined);
    rmSync(this.runDir, { recursive: true, force: true });
  }

  private script(command: 'up' | 'down'): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('bash', ['infra/scripts/kafka.sh', command], {
        cwd: REPO_ROOT,
        env: this.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`kafka.sh ${command} exited with ${code}: ${output}`)),
      );
    });
  }
}
