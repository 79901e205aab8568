import { createTopicsReady, DedicatedRedis, infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import {
  dumpPrefix,
  foldLog,
  lastOffsets,
  ledgerProjection,
  ledgerRegistry,
  plain,
  randomEvents,
  readAll,
  sendInTransaction,
  unreadableMessages,
} from './ledger.fixture';
import type { Projection } from '../domain/projection';
import { RedisNotices } from './notices';
import { waitForPosition } from './position';
import { readModelRebuilding } from './reset';
import { ProjectionRunner } from './runner';

// Redis is flushed under a running projection while events keep arriving: the projection must
// notice by itself and end equal, key by key, to the pure fold of the whole log. FLUSHALL runs
// on a redis-server of this test's own, never on the shared one.

describe('ProjectionRunner when Redis is flushed mid-stream', () => {
  const { KAFKA_BROKERS } = infraEnv();
  const kafka = new Kafka({
    clientId: 'projection-flush-int-spec',
    brokers: KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const topic = uniqueName('it-proj-flush');
  const name = uniqueName('ledger');
  const projection = ledgerProjection(name, [topic]);
  const accounts = Array.from({ length: 12 }, (_, i) => `acc-${i}`);
  const warnings: object[] = [];
  let dedicated: DedicatedRedis;
  let redis: Redis;
  let admin: Admin;
  let producer: Producer;
  let txProducer: Producer;
  const runners: ProjectionRunner[] = [];
  let notices: RedisNotices | undefined;
  const topics = [topic];

  beforeAll(async () => {
    dedicated = await DedicatedRedis.start();
    redis = new Redis(dedicated.url);
    notices = new RedisNotices(redis);
    admin = kafka.admin();
    await admin.connect();
    await createTopicsReady(admin, { waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    producer = kafka.producer({ idempotent: true });
    txProducer = kafka.producer({
      transactionalId: uniqueName('it-proj-flush-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await Promise.all([producer.connect(), txProducer.connect()]);
  });

  afterAll(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await Promise.all([producer?.disconnect(), txProducer?.disconnect()]);
    await admin?.deleteTopics({ topics }).catch(() => undefined);
    await admin?.disconnect();
    await notices?.close();
    redis?.disconnect();
    await dedicated?.stop();
  });

  /** Writes 24 rounds of events (every other one in a transaction) and flushes Redis after round 12. */
  async function produceAndFlush(
    topicName: string,
    projectionName: string,
    applied: () => number,
  ): Promise<number> {
    let written = 0;
    for (let round = 0; round < 24; round++) {
      const messages = randomEvents(40, accounts);
      if (round === 5) messages.push(...unreadableMessages('acc-3'));
      if (round % 2 === 0) await sendInTransaction(txProducer, topicName, messages);
      else await producer.send({ topic: topicName, messages });
      written += messages.length;
      if (round === 12) {
        // Only once the projection has written something worth losing.
        await waitUntil('the projection to apply events', () => applied() > 100, 10_000);
        expect(await redis.dbsize()).toBeGreaterThan(10);
        await redis.flushall();
        // Readers are told the model is incomplete until it has refolded the log.
        expect(await readModelRebuilding(redis, projectionName)).toBe(true);
      }
      await new Promise((r) => setTimeout(r, 40));
    }
    return written;
  }

  /** Waits for every partition's last offset, then compares Redis with the pure fold, key by key. */
  async function expectEqualToFold(
    topicName: string,
    projectionName: string,
    written: number,
  ): Promise<void> {
    const projectionOfTopic = ledgerProjection(projectionName, [topicName]);
    const log = await readAll(kafka, topicName, written);
    for (const [partition, offset] of lastOffsets(log))
      await waitForPosition(redis, projectionName, { topic: topicName, partition, offset }, 30_000, notices!);
    const expected = plain(foldLog(projectionOfTopic, topicName, log));
    expect(Object.keys(expected).length).toBeGreaterThan(30);
    expect(plain(await dumpPrefix(redis, projectionOfTopic.keyPrefix))).toEqual(expected);
    // Caught up with the log's end as it was at the reset: the rebuilding marker is gone.
    await waitUntil(
      'the rebuild to be marked complete',
      async () => !(await readModelRebuilding(redis, projectionName)),
      10_000,
    );
  }

  const newRunner = (p: Projection, groupId: string) =>
    new ProjectionRunner({
      kafka,
      redis,
      projection: p,
      registry: ledgerRegistry,
      groupId,
      epochCheckIntervalMs: 200,
      batch: { maxWaitTimeInMs: 100, maxEventsPerCall: 50 },
      logger: {
        log: () => undefined,
        warn: (m) => void warnings.push(m),
        error: (m) => void warnings.push(m),
      },
    });

  it('rebuilds by itself and ends equal to the pure fold of every event', async () => {
    const runner = newRunner(projection, uniqueName('it-proj-flush-group'));
    runners.push(runner);
    await runner.start();
    expect(runner.stats.rebuilds).toBe(1); // the first start found no epoch: an empty model is built
    await waitUntil('the empty model to be whole', () => runner.refoldingSince() === undefined, 10_000);
    // What the service's health says of the refold after the flush (read-model.module.ts).
    const refolding = new Set<number>();
    const watch = setInterval(() => {
      const since = runner.refoldingSince();
      if (since !== undefined) refolding.add(since);
    }, 5);
    const written = await produceAndFlush(topic, name, () => runner.stats.applied);
    await expectEqualToFold(topic, name, written);
    clearInterval(watch);
    expect(refolding.size).toBe(1);
    await waitUntil(
      'the runner to know its model whole',
      () => runner.refoldingSince() === undefined,
      10_000,
    );
    expect(runner.stats.rebuilds).toBe(2);
    expect(warnings).toContainEqual(
      expect.objectContaining({
        msg: 'projection cleared, rebuilding from offset 0',
        projection: name,
        reason: expect.stringMatching(/epoch gone/),
      }),
    );
    await runner.stop(); // before the next test flushes this Redis again
  });

  it('with two instances sharing the partitions, the flush is rebuilt once and both resume', async () => {
    const shared = uniqueName('ledger-shared');
    const sharedTopic = uniqueName('it-proj-flush-shared');
    await createTopicsReady(admin, {
      waitForLeaders: true,
      topics: [{ topic: sharedTopic, numPartitions: 4 }],
    });
    topics.push(sharedTopic);
    const p = ledgerProjection(shared, [sharedTopic]);
    const group = uniqueName('it-proj-flush-shared-group');
    const [a, b] = [newRunner(p, group), newRunner(p, group)];
    runners.push(a, b);
    await Promise.all([a.start(), b.start()]);
    expect(a.stats.rebuilds + b.stats.rebuilds).toBe(1);
    const written = await produceAndFlush(sharedTopic, shared, () => a.stats.applied + b.stats.applied);
    await expectEqualToFold(sharedTopic, shared, written);
    expect(a.stats.rebuilds + b.stats.rebuilds).toBe(2);
    // Both took part: the group split the partitions between them.
    expect(a.stats.folded).toBeGreaterThan(0);
    expect(b.stats.folded).toBeGreaterThan(0);
  });
  it('after a restart on an emptied Redis, refolds every partition from offset 0, idle ones included', async () => {
    const restartName = uniqueName('ledger-restart');
    const restartTopic = uniqueName('it-proj-restart');
    await createTopicsReady(admin, {
      waitForLeaders: true,
      topics: [{ topic: restartTopic, numPartitions: 3 }],
    });
    topics.push(restartTopic);
    const p = ledgerProjection(restartName, [restartTopic]);
    const group = uniqueName('it-proj-restart-group');
    let written = 0;
    for (let round = 0; round < 4; round++) {
      const messages = randomEvents(30, accounts);
      await sendInTransaction(txProducer, restartTopic, messages);
      written += messages.length;
    }
    const first = newRunner(p, group);
    runners.push(first);
    await first.start();
    await expectEqualToFold(restartTopic, restartName, written);
    await first.stop();
    // The group's offsets at the end of every partition, as a runner that ran a while leaves them;
    // then Redis loses everything (a restart without persistence). Nothing new is written.
    const ends = await admin.fetchTopicOffsets(restartTopic);
    await admin.setOffsets({
      groupId: group,
      topic: restartTopic,
      partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
    });
    await redis.flushall();
    const second = newRunner(p, group);
    runners.push(second);
    await second.start();
    await expectEqualToFold(restartTopic, restartName, written);
    await second.stop();
  });

  it("finishes a rebuild whose last fetch of a partition holds only a transaction's commit marker", async () => {
    // Each fetch returns one record batch (the broker always returns at least one, whatever the
    // byte limit): a transaction's records, then its commit marker alone. kafkajs hands no batch
    // of control records only to the runner; the checkpoint stopped below the marker, short of
    // the log's end, and the rebuild stayed unfinished (every read UNAVAILABLE) until the
    // partition got another event.
    const markerName = uniqueName('ledger-marker');
    const markerTopic = uniqueName('it-proj-marker');
    await createTopicsReady(admin, {
      waitForLeaders: true,
      topics: [{ topic: markerTopic, numPartitions: 1 }],
    });
    topics.push(markerTopic);
    let written = 0;
    for (let round = 0; round < 3; round++) {
      const messages = randomEvents(20, accounts);
      await sendInTransaction(txProducer, markerTopic, messages);
      written += messages.length;
    }
    const runner = new ProjectionRunner({
      kafka,
      redis,
      projection: ledgerProjection(markerName, [markerTopic]),
      registry: ledgerRegistry,
      groupId: uniqueName('it-proj-marker-group'),
      epochCheckIntervalMs: 200,
      batch: { maxWaitTimeInMs: 100, maxEventsPerCall: 50, maxBytes: 1, maxBytesPerPartition: 1 },
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    });
    runners.push(runner);
    await runner.start();
    await expectEqualToFold(markerTopic, markerName, written);
    await runner.stop();
  });
});
