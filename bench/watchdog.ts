/**
 * `npm run bench:watchdog`: what one tick of capacity's node watchdog costs with many nodes joined
 * (services/capacity/src/nodes/node-watchdog.ts). For each count of joined nodes
 * (BENCH_WATCHDOG_NODES, default 1,000 and 5,000), their read-model state is written to a
 * redis-server of the benchmark's own, every heartbeat fresh but the last node's (two hours old),
 * none leased; then the watchdog ticks BENCH_WATCHDOG_TICKS (5) times. Each tick reads every node
 * and asks, through the command sender, to declare the last one lost; the sender here only counts
 * what it is asked (no Kafka: the tick's reading is what is measured). Measured per tick: the wall
 * time and the process' CPU. The last line is one JSON object.
 */
import { capacityReadModel as rm, nodeHeartbeatKey } from '@gpux/contracts';
import { projectionKeys } from '@gpux/eventsourcing';
import { RedisClient, ServiceMetrics } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import { NodeWatchdog } from '../services/capacity/src/nodes/node-watchdog';

const COUNTS = (process.env['BENCH_WATCHDOG_NODES'] ?? '1000,5000').split(',').map(Number);
const TICKS = Number(process.env['BENCH_WATCHDOG_TICKS'] ?? 5);
const HOUR_MS = 3_600_000;
const log = (msg: string) => process.stderr.write(`[bench:watchdog] ${msg}\n`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function seed(client: RedisClient, count: number, now: number): Promise<void> {
  const redis = client.redis;
  await redis.flushdb();
  // The model settled, as its runner leaves it (a model being refolded is not judged).
  await redis.set(projectionKeys(rm.name).epoch, 'bench');
  for (let from = 0; from < count; from += 500) {
    const pipeline = redis.pipeline();
    for (let i = from; i < Math.min(count, from + 500); i++) {
      const id = `node-${i}`;
      pipeline.zadd(rm.sessions, now, id);
      pipeline.hset(rm.node(id), {
        sessionId: `session-${i}`,
        sessionStartedAt: new Date(now - 2 * HOUR_MS).toISOString(),
        status: 'CERTIFIED',
        gpus: '8',
        tflopsF32: '50',
        leasedUntilMs: '0',
      });
      pipeline.set(nodeHeartbeatKey(id), new Date(i === count - 1 ? now - 2 * HOUR_MS : now).toISOString());
    }
    await pipeline.exec();
  }
}

async function main() {
  const server = await DedicatedRedis.start();
  const client = new RedisClient(server.url);
  const runs: { nodes: number; tickMs: number; cpuMs: number; ticksMs: number[] }[] = [];
  try {
    for (const count of COUNTS) {
      const now = Date.now();
      await seed(client, count, now);
      const asked: string[] = [];
      const host = { sender: { dispatch: async (c: { subject: string }) => void asked.push(c.subject) } };
      const watchdog = new NodeWatchdog(
        host as never,
        client,
        {
          HEARTBEAT_TIMEOUT_MS: HOUR_MS,
          SPOT_CHECK_INTERVAL_MS: HOUR_MS,
          WATCHDOG_INTERVAL_MS: 1_000,
        },
        new ServiceMetrics('capacity'),
      );
      await watchdog.tick(); // warm-up
      asked.length = 0;
      const ticksMs: number[] = [];
      const cpuMs: number[] = [];
      for (let t = 0; t < TICKS; t++) {
        const cpu = process.cpuUsage();
        const started = performance.now();
        await watchdog.tick();
        ticksMs.push(Math.round((performance.now() - started) * 10) / 10);
        const used = process.cpuUsage(cpu);
        cpuMs.push(Math.round((used.user + used.system) / 100) / 10);
      }
      // Every tick reached the last node (its batch too) and asked about it alone.
      if (asked.length !== TICKS || asked.some((s) => s !== `node-${count - 1}`))
        throw new Error(
          `expected node-${count - 1} asked once a tick, got ${JSON.stringify(asked.slice(0, 5))}`,
        );
      const run = { nodes: count, tickMs: median(ticksMs), cpuMs: median(cpuMs), ticksMs };
      log(JSON.stringify(run));
      runs.push(run);
    }
  } finally {
    await client.redis.quit();
    await server.stop();
  }
  const last = runs.at(-1);
  process.stdout.write(
    `${JSON.stringify({ bench: 'watchdog', nodes: last?.nodes, tickMs: last?.tickMs, cpuMs: last?.cpuMs, runs })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
