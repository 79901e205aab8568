import { createTopicsReady, infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { KafkaClients } from '@gpux/platform';
import type { Admin, Producer } from 'kafkajs';
import { applyBatch } from './apply-script';
import { prepareBatch } from './batch';
import {
  claimMarker,
  creditV1Message,
  dumpPrefix,
  foldLog,
  lastOffsets,
  ledgerMessage,
  ledgerProjection,
  ledgerRegistry,
  LoggedMessage,
  plain,
  randomEvents,
  readAll,
  sendInTransaction,
  unreadableMessages,
} from './ledger.fixture';
import { projectionKeys } from './keys';
import { RedisNotices } from './notices';
import { ProjectionTimeoutError, readCheckpoint, waitForPosition } from './position';
import { resetReadModel } from './reset';
import type { ProjectionLogger } from './options';
import { ProjectionRunner } from './runner';

// Against the real broker and the shared Redis (keys under names of this run only; nothing is
// flushed here: see flush.int-spec.ts for that, on a Redis of its own).

const quietLogger = (): ProjectionLogger & { warnings: object[] } => {
  const warnings: object[] = [];
  return {
    warnings,
    log: () => undefined,
    warn: (m) => void warnings.push(m),
    error: (m) => void warnings.push(m),
  };
};

describe('ProjectionRunner (real Kafka and Redis)', () => {
  const { KAFKA_BROKERS, REDIS_URL } = infraEnv();
  // The platform's clients, as a service passes them (the flush spec passes a bare kafkajs Kafka).
  const clients = new KafkaClients({ clientId: 'projection-int-spec', brokers: KAFKA_BROKERS.split(',') });
  const kafka = clients.kafka;
  const redis = new Redis(REDIS_URL);
  /** What read-your-writes waits on: the runner's announcements. */
  const notices = new RedisNotices(redis);
  const topic = uniqueName('it-proj');
  const name = uniqueName('ledger');
  const projection = ledgerProjection(name, [topic]);
  const accounts = ['acc-1', 'acc-2', 'acc-3', 'acc-4', 'acc-5', 'acc-6'];
  const logger = quietLogger();
  let admin: Admin;
  let producer: Producer;
  let txProducer: Producer;
  let runner: ProjectionRunner;
  let written = 0;

  let groupId = '';
  const newRunner = () => {
    groupId = uniqueName('it-proj-group');
    return new ProjectionRunner({
      kafka: clients,
      redis,
      projection,
      registry: ledgerRegistry,
      groupId,
      logger,
      epochCheckIntervalMs: 200,
      batch: { maxWaitTimeInMs: 100 },
    });
  };

  /** Reads the whole log back and waits until the projection reached its last offset everywhere. */
  async function caughtUp(): Promise<LoggedMessage[]> {
    const log = await readAll(kafka, topic, written);
    for (const [partition, offset] of lastOffsets(log))
      await waitForPosition(redis, name, { topic, partition, offset }, 20_000, notices);
    return log;
  }

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await createTopicsReady(admin, { waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    producer = clients.producer({ idempotent: true });
    txProducer = clients.producer({
      transactionalId: uniqueName('it-proj-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await Promise.all([producer.connect(), txProducer.connect()]);
    const opens = accounts.map((a) =>
      ledgerMessage({ type: 'ledger.Opened', data: { account: a, owner: `owner-${a}` } }),
    );
    await producer.send({ topic, messages: opens });
    await sendInTransaction(txProducer, topic, randomEvents(60, accounts));
    // In the middle of acc-1's partition: three unreadable messages, a marker, an old-version event.
    await producer.send({
      topic,
      messages: [...unreadableMessages('acc-1'), claimMarker('acc-1'), creditV1Message('acc-1', 125)],
    });
    await sendInTransaction(txProducer, topic, randomEvents(60, accounts));
    await producer.send({ topic, messages: randomEvents(30, accounts) });
    written = opens.length + 60 + 5 + 60 + 30;
    runner = newRunner();
    await runner.start();
  });

  afterAll(async () => {
    await runner?.stop();
    await Promise.all([producer?.disconnect(), txProducer?.disconnect()]);
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await resetReadModel(redis, projection);
    const own = projectionKeys(name);
    await redis.del(own.checkpoint, own.epoch, own.rebuildLock);
    await notices.close();
    await redis.quit();
    await clients.onApplicationShutdown();
  });

  it('folds every event into Redis exactly as the pure fold does, skipping unreadable messages and markers without stopping', async () => {
    const log = await caughtUp();
    expect(plain(await dumpPrefix(redis, projection.keyPrefix))).toEqual(
      plain(foldLog(projection, topic, log)),
    );
    expect(runner.stats.invalid).toBe(3);
    expect(runner.stats.markers).toBe(1);
    expect(logger.warnings).toContainEqual(
      expect.objectContaining({
        msg: 'projection skipped an unreadable event',
        projection: name,
        topic,
        reason: expect.stringMatching(/unknown message type ledger.Vanished/),
      }),
    );
    // The v1 credit was read as v2 (cents → micro-USD) and the events after the bad ones were applied.
    expect(await redis.lrange(`${projection.keyPrefix}entries:acc-1`, 0, -1)).toContain(`+${125 * 10_000}`);
  });

  it('stopped while it starts, starts no consumer: a shutdown during a start leaves nothing in the group', async () => {
    // The service listens before its consumers join, so a shutdown can come while a runner is
    // still establishing its epoch; before, its start went on to start a consumer stop() never saw.
    const group = uniqueName('it-proj-stopped');
    const starting = new ProjectionRunner({
      kafka: clients,
      redis,
      projection,
      registry: ledgerRegistry,
      groupId: group,
      logger,
    });
    const started = starting.start();
    await starting.stop();
    await started;
    expect(starting['consumer']).toBeUndefined();
    const { groups } = await admin.describeGroups([group]);
    expect(groups[0]?.members ?? []).toEqual([]);
  });

  it('reports its lag against the read_committed end: 0 once caught up', async () => {
    await caughtUp();
    const lag = await runner.lag();
    expect(lag.map((l) => l.partition)).toEqual([0, 1, 2]);
    for (const l of lag) {
      expect(l.checkpoint).not.toBeNull();
      expect(l.end).toBe((l.checkpoint ?? 0) + 1 + l.lag);
      // Commit markers take offsets: see PartitionLag.lag for why 1 can be honest too.
      expect(l.lag).toBeLessThanOrEqual(1);
    }
    expect(lag.reduce((sum, l) => sum + l.lag, 0)).toBe(0);
  });

  it('changes nothing when an applied batch is delivered again, or when a fresh consumer group re-reads the log', async () => {
    const log = await caughtUp();
    const before = plain(await dumpPrefix(redis, projection.keyPrefix));
    const epoch = (await redis.get(projectionKeys(name).epoch)) ?? '';
    for (const partition of [0, 1, 2]) {
      const messages = log.filter((m) => m.partition === partition).map((m) => m.message);
      const checkpoint = (await readCheckpoint(redis, name, topic, partition)) ?? -1;
      const events = prepareBatch(projection, ledgerRegistry, topic, partition, messages, -1).events;
      const request = {
        projectionName: name,
        keyPrefix: projection.keyPrefix,
        topic,
        partition,
        epoch,
        lastOffset: Number(messages.at(-1)?.offset),
        events,
      };
      // As the runner would send it again, knowing its checkpoint, and as a runner that crashed
      // before it learnt the outcome of its first attempt would (believing nothing was applied).
      await expect(applyBatch(redis, { ...request, expectedCheckpoint: checkpoint })).resolves.toEqual({
        status: 'duplicate',
        checkpoint,
      });
      await expect(applyBatch(redis, { ...request, expectedCheckpoint: -1 })).resolves.toEqual({
        status: 'duplicate',
        checkpoint,
      });
      // A batch reaching past the checkpoint but prepared for an older one overlaps it: refused whole.
      await expect(
        applyBatch(redis, { ...request, expectedCheckpoint: 0, lastOffset: checkpoint + 3 }),
      ).resolves.toEqual({ status: 'diverged', checkpoint });
    }
    expect(Object.keys(before).length).toBeGreaterThan(10);
    expect(plain(await dumpPrefix(redis, projection.keyPrefix))).toEqual(before);

    // A restart under a new group id: Kafka offsets start at 0, the checkpoints say where to go on.
    await runner.stop();
    const { groups } = await admin.describeGroups([groupId]);
    expect(groups[0]?.members).toEqual([]); // it left its group
    runner = newRunner();
    await runner.start();
    await producer.send({ topic, messages: randomEvents(12, accounts) });
    written += 12;
    const after = await caughtUp();
    expect(plain(await dumpPrefix(redis, projection.keyPrefix))).toEqual(
      plain(foldLog(projection, topic, after)),
    );
    expect(runner.stats.folded).toBe(12);
    expect(runner.stats.duplicates).toBe(0);
  });

  it('rebuilds from offset zero on request, clearing what it had written, to the same result', async () => {
    const log = await caughtUp();
    await redis.set(`${projection.keyPrefix}stray`, 'left by a buggy earlier version');
    const rebuilds = runner.stats.rebuilds;
    await runner.rebuild();
    expect(runner.stats.rebuilds).toBe(rebuilds + 1);
    await caughtUp();
    expect(plain(await dumpPrefix(redis, projection.keyPrefix))).toEqual(
      plain(foldLog(projection, topic, log)),
    );
  });

  it("lets a reader wait for a position on the runner's announcements: resolves once applied, times out with the position for a future one", async () => {
    await caughtUp();
    await expect(
      waitForPosition(redis, name, { topic, partition: 1, offset: '0' }, 1_000, notices),
    ).resolves.toBeUndefined();
    const started = Date.now();
    const waiting = waitForPosition(redis, name, { topic, partition: 1, offset: '1000000' }, 300, notices);
    await expect(waiting).rejects.toThrow(ProjectionTimeoutError);
    await expect(waiting).rejects.toThrow(
      new RegExp(`projection ${name} did not reach ${topic}:1@1000000 within 300 ms`),
    );
    expect(Date.now() - started).toBeLessThan(1_000);

    // And the other way round: the wait starts first, the event arrives later.
    const [meta] = await producer.send({
      topic,
      messages: [ledgerMessage({ type: 'ledger.Debited', data: { account: 'acc-2', amount: 3 } })],
    });
    written += 1;
    await waitForPosition(
      redis,
      name,
      { topic, partition: meta!.partition, offset: meta!.baseOffset! },
      10_000,
      notices,
    );
    await waitUntil(
      'the debit in the ledger',
      async () => (await redis.lrange(`${projection.keyPrefix}entries:acc-2`, -1, -1))[0] === '-3',
      1_000,
    );
  });
});
