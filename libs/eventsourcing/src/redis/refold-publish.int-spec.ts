import { createTopicsReady, DedicatedRedis, infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import type { Projection } from '../domain/projection';
import { projectionKeys } from './keys';
import { lastOffsets, ledgerProjection, ledgerRegistry, randomEvents, readAll } from './ledger.fixture';
import { RedisNotices } from './notices';
import { waitForPosition } from './position';
import { readModelRebuilding } from './reset';
import { ProjectionRunner } from './runner';

// A flush makes the runner refold the log from offset 0. What the projection publishes for those
// events is history, not news: a live subscriber (the gateway forwards each notice) must not hear
// the whole log again, while the `applied` notices that read-your-writes waits on keep coming.
// FLUSHALL runs on a redis-server of this test's own, never on the shared one.

describe('ProjectionRunner publications while a flushed model is refolded', () => {
  const { KAFKA_BROKERS } = infraEnv();
  const kafka = new Kafka({
    clientId: 'projection-refold-publish-int-spec',
    brokers: KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const topic = uniqueName('it-proj-refold-pub');
  const name = uniqueName('ledger-pub');
  const ledger = ledgerProjection(name, [topic]);
  const channel = `${ledger.keyPrefix}ch:notices`;
  // Every event announces its own position: a replayed one is told from a new one by its offset.
  const projection: Projection = {
    ...ledger,
    apply: (event, position) => {
      const ops = ledger.apply(event, position);
      return ops.length > 0 && position
        ? [...ops, { op: 'publish', key: channel, message: `${position.partition}:${position.offset}` }]
        : ops;
    },
  };
  const accounts = Array.from({ length: 8 }, (_, i) => `acc-${i}`);
  let dedicated: DedicatedRedis;
  let redis: Redis;
  let subscriber: Redis;
  let admin: Admin;
  let producer: Producer;
  let notices: RedisNotices;
  let runner: ProjectionRunner;
  const published: string[] = [];
  const applied: string[] = [];

  beforeAll(async () => {
    dedicated = await DedicatedRedis.start();
    redis = new Redis(dedicated.url);
    notices = new RedisNotices(redis);
    subscriber = new Redis(dedicated.url);
    subscriber.on('message', (ch: string, message: string) => {
      if (ch === channel) published.push(message);
      else applied.push(message);
    });
    await subscriber.subscribe(channel, projectionKeys(name).applied);
    admin = kafka.admin();
    await admin.connect();
    await createTopicsReady(admin, { waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
  });

  afterAll(async () => {
    await runner?.stop();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await notices?.close();
    subscriber?.disconnect();
    redis?.disconnect();
    await dedicated?.stop();
  });

  /** Sends `rounds` × 30 events; answers every event's `<partition>:<offset>` once all are folded. */
  async function produce(rounds: number, written: number): Promise<{ written: number; events: string[] }> {
    for (let round = 0; round < rounds; round++) {
      const messages = randomEvents(30, accounts);
      await producer.send({ topic, messages });
      written += messages.length;
    }
    const log = await readAll(kafka, topic, written);
    for (const [partition, offset] of lastOffsets(log))
      await waitForPosition(redis, name, { topic, partition, offset }, 30_000, notices);
    return { written, events: log.map(({ partition, message }) => `${partition}:${message.offset}`) };
  }

  it('publishes nothing for the replayed events, then publishes new ones; applied notices go on', async () => {
    runner = new ProjectionRunner({
      kafka,
      redis,
      projection,
      registry: ledgerRegistry,
      groupId: uniqueName('it-proj-refold-pub-group'),
      epochCheckIntervalMs: 200,
      // Small script calls: the refold takes many of them, each one a chance to publish.
      batch: { maxWaitTimeInMs: 100, maxEventsPerCall: 10 },
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    });
    await runner.start();
    // Live: every event is announced once.
    const before = await produce(6, 0);
    await waitUntil('every live notice', () => published.length >= before.events.length, 10_000);
    expect([...published].sort()).toEqual([...before.events].sort());

    published.length = 0;
    applied.length = 0;
    await redis.flushall();
    // The runner notices, resets (a new epoch with the rebuilding marker) and refolds.
    await waitUntil('the reset', async () => (await redis.exists(projectionKeys(name).epoch)) === 1, 10_000);
    // Read-your-writes during the refold: waits on the applied notices resolve.
    const log = await readAll(kafka, topic, before.written);
    for (const [partition, offset] of lastOffsets(log))
      await waitForPosition(redis, name, { topic, partition, offset }, 30_000, notices);
    await waitUntil(
      'the rebuild to be marked complete',
      async () => !(await readModelRebuilding(redis, name)),
      10_000,
    );
    expect(runner.stats.rebuilds).toBe(2);
    expect(applied.length).toBeGreaterThan(0);
    expect(published).toEqual([]);

    // After the refold, new events are announced again, each once.
    const after = await produce(2, before.written);
    const fresh = after.events.filter((e) => !before.events.includes(e));
    expect(fresh).toHaveLength(60);
    await waitUntil('the new notices', () => published.length >= fresh.length, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect([...published].sort()).toEqual([...fresh].sort());
  });
});
