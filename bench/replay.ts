/**
 * `npm run bench:replay`: how fast a Redis projection folds an events topic from offset zero.
 * Writes N settlement events (in Kafka transactions of 500, as a command processor writes them,
 * so the log holds commit markers) to a fresh topic of 6 partitions in a namespace of its own,
 * then measures, each from the start of its consumer until the whole topic is read:
 *   ceiling         a plain kafkajs consumer (read_committed, same fetch sizes) that only counts
 *   ceilingDecoded  the same, also decoding and validating every message with the registry
 *   projection      the ProjectionRunner building an account read model into Redis from zero
 *                   (decode, fold, one Lua script call per chunk of events with its checkpoint)
 *   rebuild         rebuild() of that model on request: clear every key, then refold from zero
 * The last stdout line is one JSON object of the figures. Cleans up its topic and Redis keys.
 */
import { randomUUID } from 'node:crypto';
import { settlementMessages, topic as registryTopic } from '@gpux/contracts';
import Redis from 'ioredis';
import { Kafka, logLevel, Message, Partitioners } from 'kafkajs';
import { fromKafka } from '../libs/eventsourcing/src/kafka/codec';
import {
  ProjectionRunner,
  projectionKeys,
  readCheckpoints,
  resetReadModel,
} from '../libs/eventsourcing/src/redis';
import { accountsProjection, CausalMode, event, expectedTotal, PARTITIONS } from './replay/workload';

const EVENTS = Number(process.env['BENCH_REPLAY_EVENTS'] ?? 200_000);
const TRANSACTION_SIZE = 500;
const FETCH = {
  maxBytesPerPartition: Number(process.env['BENCH_REPLAY_PARTITION_BYTES'] ?? 4 << 20),
  maxBytes: 24 << 20,
  maxWaitTimeInMs: 100,
};
const DEADLINE_MS = 120_000;
// Tuning knobs (defaults are the runner's own defaults, which these measurements chose).
const PER_CALL = Number(process.env['BENCH_REPLAY_PER_CALL'] ?? 2_000);
const CONCURRENCY = Number(process.env['BENCH_REPLAY_CONCURRENCY'] ?? 2);
/** A third of the events require their cause on another partition (replay/workload.ts): `1` or `lag`. */
const CAUSAL_ENV = process.env['BENCH_REPLAY_CAUSAL'];
const CAUSAL: CausalMode = CAUSAL_ENV === '1' ? 'next' : CAUSAL_ENV === 'lag' ? 'lag' : false;
const log = (msg: string) => process.stderr.write(`[bench:replay] ${msg}\n`);

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379';
// Quiet: a transaction begun right after a commit gets a retriable CONCURRENT_TRANSACTIONS that kafkajs logs.
const kafka = new Kafka({ clientId: 'bench-replay', brokers, logLevel: logLevel.NOTHING });
const namespace = `bench-replay-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
const eventsTopic = registryTopic('settlement', 'events', namespace).name;

async function produce(): Promise<Map<number, number>> {
  const producers = await Promise.all(
    Array.from({ length: 4 }, async (_, lane) => {
      const producer = kafka.producer({
        transactionalId: `${namespace}-tx-${lane}`,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      return producer;
    }),
  );
  const lastOffset = new Map<number, number>();
  let next = 0;
  let reported = 0;
  const started = performance.now();
  await Promise.all(
    producers.map(async (producer) => {
      while (next < EVENTS) {
        const from = next;
        next = Math.min(EVENTS, next + TRANSACTION_SIZE);
        const byPartition = new Map<number, Message[]>();
        for (let i = from; i < next; i++) {
          const { partition, message } = event(i, CAUSAL);
          byPartition.set(partition, [...(byPartition.get(partition) ?? []), { ...message, partition }]);
        }
        const tx = await producer.transaction();
        const sent = await tx.send({ topic: eventsTopic, messages: [...byPartition.values()].flat() });
        await tx.commit();
        for (const { partition, baseOffset } of sent) {
          const last = Number(baseOffset) + (byPartition.get(partition)?.length ?? 1) - 1;
          lastOffset.set(partition, Math.max(lastOffset.get(partition) ?? -1, last));
        }
        if (next >= reported + 50_000 && next < EVENTS) log(`produced ${(reported = next)}/${EVENTS}`);
      }
    }),
  );
  log(`produced ${EVENTS} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await Promise.all(producers.map((p) => p.disconnect()));
  return lastOffset;
}

/** A plain consumer that counts (and optionally decodes) every event; events/s until all are read. */
async function ceiling(decode: boolean): Promise<number> {
  const consumer = kafka.consumer({
    groupId: `${namespace}-ceiling-${randomUUID()}`,
    readUncommitted: false,
    ...FETCH,
  });
  let seen = 0;
  const started = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topic: eventsTopic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 2,
    eachBatch: async ({ batch }) => {
      if (decode) for (const m of batch.messages) settlementMessages.decode(fromKafka(m));
      seen += batch.messages.length;
    },
  });
  await until(() => seen >= EVENTS, `ceiling consumer to read ${EVENTS}`);
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return Math.round(EVENTS / seconds);
}

/** Redis' own count of script calls and the microseconds spent in them (INFO commandstats). */
async function scriptStats(redis: Redis): Promise<{ calls: number; usec: number }> {
  const line =
    (await redis.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_evalsha:')) ?? '';
  return {
    calls: Number(/calls=(\d+)/.exec(line)?.[1] ?? 0),
    usec: Number(/usec=(\d+)/.exec(line)?.[1] ?? 0),
  };
}

async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const redis = new Redis(redisUrl);
  const projection = accountsProjection(`${namespace}-accounts`, namespace, eventsTopic, CAUSAL);
  let runner: ProjectionRunner | undefined;
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: eventsTopic, numPartitions: PARTITIONS }],
    });
    log(`topic ${eventsTopic}: writing ${EVENTS} events`);
    const lastOffset = await produce();
    const caughtUp = async () => {
      const checkpoints = await readCheckpoints(redis, projection.name);
      return [...lastOffset].every(
        ([partition, last]) => (checkpoints.get(`${eventsTopic}:${partition}`) ?? -1) >= last,
      );
    };

    const skipCeiling = process.env['BENCH_REPLAY_SKIP_CEILING'] === '1';
    const ceilingPerSec = skipCeiling ? NaN : await ceiling(false);
    log(`ceiling (plain consumer, no decode): ${ceilingPerSec} events/s`);
    const ceilingDecodedPerSec = skipCeiling ? NaN : await ceiling(true);
    log(`ceiling (plain consumer, decoding): ${ceilingDecodedPerSec} events/s`);

    runner = new ProjectionRunner({
      kafka,
      redis,
      projection,
      registry: settlementMessages,
      groupId: `${namespace}-proj`,
      batch: { ...FETCH, maxEventsPerCall: PER_CALL, partitionsConsumedConcurrently: CONCURRENCY },
      logger: {
        log: () => undefined,
        warn: (m) => log(JSON.stringify(m)),
        error: (m) => log(JSON.stringify(m)),
      },
    });
    const scriptsBefore = await scriptStats(redis);
    let started = performance.now();
    await runner.start();
    const active = runner;
    await until(() => active.stats.batches > 0, 'the first batch');
    const firstBatchMs = Math.round(performance.now() - started);
    await until(caughtUp, 'the projection to catch up');
    const eventsPerSec = Math.round(EVENTS / ((performance.now() - started) / 1000));
    const scriptsAfter = await scriptStats(redis);
    // Other clients of a shared Redis may run scripts meanwhile: these are upper bounds.
    const scriptCalls = scriptsAfter.calls - scriptsBefore.calls;
    const redisScriptMsPerCall = Number(
      ((scriptsAfter.usec - scriptsBefore.usec) / 1000 / Math.max(1, scriptCalls)).toFixed(2),
    );
    const redisScriptUsPerEvent = Number(((scriptsAfter.usec - scriptsBefore.usec) / EVENTS).toFixed(2));
    log(
      `projection from offset 0: ${eventsPerSec} events/s (${runner.stats.batches} batches, ${scriptCalls} script calls, first batch after ${firstBatchMs} ms)`,
    );

    const causalWaits = runner.stats.causalWaits;
    started = performance.now();
    await runner.rebuild();
    await until(caughtUp, 'the rebuild to catch up');
    const rebuildPerSec = Math.round(EVENTS / ((performance.now() - started) / 1000));
    log(`rebuild() on request: ${rebuildPerSec} events/s`);

    const total = Number(await redis.get(`${projection.keyPrefix}total`));
    const lag = await runner.lag();
    const result = {
      bench: 'replay',
      events: EVENTS,
      partitions: PARTITIONS,
      eventsPerSec,
      ceilingPerSec,
      ceilingDecodedPerSec,
      ofCeiling: Number((eventsPerSec / ceilingPerSec).toFixed(2)),
      ofCeilingDecoded: Number((eventsPerSec / ceilingDecodedPerSec).toFixed(2)),
      rebuildPerSec,
      firstBatchMs,
      scriptCalls,
      redisScriptMsPerCall,
      redisScriptUsPerEvent,
      eventsPerCall: PER_CALL,
      causal: CAUSAL,
      causalWaits,
      lagAfter: lag.reduce((sum, l) => sum + l.lag, 0),
      modelChecked: total === expectedTotal(EVENTS),
    };
    if (!result.modelChecked) log(`model total ${total} differs from the log's ${expectedTotal(EVENTS)}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await runner?.stop().catch(() => undefined);
    await resetReadModel(redis, projection).catch(() => undefined);
    const own = projectionKeys(projection.name);
    await redis.del(own.checkpoint, own.epoch, own.rebuildLock).catch(() => undefined);
    await admin.deleteTopics({ topics: [eventsTopic] }).catch(() => undefined);
    await admin.disconnect();
    redis.disconnect();
  }
}

const watchdog = setTimeout(() => {
  log('took longer than 5 minutes: giving up');
  process.exit(1);
}, 300_000);
watchdog.unref();
main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
