import { createTopicsReady, infraEnv, joinWithOtherAssignor, uniqueName, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { KafkaClients } from '@gpux/platform';
import type { Admin, Consumer, Producer } from 'kafkajs';
import {
  dumpPrefix,
  foldLog,
  lastOffsets,
  ledgerMessage,
  ledgerProjection,
  ledgerRegistry,
  plain,
  randomEvents,
  readAll,
} from './ledger.fixture';
import { projectionKeys } from './keys';
import { RedisNotices } from './notices';
import { waitForPosition } from './position';
import { resetReadModel } from './reset';
import type { ProjectionLogger } from './options';
import { ProjectionRunner } from './runner';

// kafkajs stops a consumer for good on an error it calls final. One such error is easy to bring
// about on a real broker: a member of the group that joined with another partition assignor
// (joinWithOtherAssignor) makes the broker refuse the next member.

describe('a projection whose consumer kafkajs stops for good (real Kafka and Redis)', () => {
  const { KAFKA_BROKERS, REDIS_URL } = infraEnv();
  const clients = new KafkaClients({ clientId: 'revival-int-spec', brokers: KAFKA_BROKERS.split(',') });
  const kafka = clients.kafka;
  const redis = new Redis(REDIS_URL);
  const notices = new RedisNotices(redis);
  const topic = uniqueName('it-revival');
  const name = uniqueName('ledger-revival');
  const groupId = uniqueName('it-revival-group');
  const projection = ledgerProjection(name, [topic]);
  const accounts = ['acc-1', 'acc-2', 'acc-3'];
  const lines: object[] = [];
  const logger: ProjectionLogger = {
    log: (m) => void lines.push(m),
    warn: (m) => void lines.push(m),
    error: (m) => void lines.push(m),
  };
  let admin: Admin;
  let producer: Producer;
  let other: Consumer | undefined;
  let runner: ProjectionRunner | undefined;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await createTopicsReady(admin, { waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    producer = clients.producer({ idempotent: true });
    await producer.connect();
  });

  afterAll(async () => {
    await runner?.stop();
    await other?.disconnect();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await resetReadModel(redis, projection);
    const own = projectionKeys(name);
    await redis.del(own.checkpoint, own.epoch, own.rebuildLock);
    await notices.close();
    await redis.quit();
    await clients.onApplicationShutdown();
  });

  it('says it is down while it cannot join, starts a new consumer once it can, and folds everything', async () => {
    const opens = accounts.map((a) =>
      ledgerMessage({ type: 'ledger.Opened', data: { account: a, owner: `owner-${a}` } }),
    );
    await producer.send({ topic, messages: [...opens, ...randomEvents(30, accounts)] });
    other = await joinWithOtherAssignor(kafka, groupId, topic);

    runner = new ProjectionRunner({
      kafka: clients,
      redis,
      projection,
      registry: ledgerRegistry,
      groupId,
      logger,
      epochCheckIntervalMs: 200,
      batch: { maxWaitTimeInMs: 100 },
      revival: { initialDelayMs: 200, maxDelayMs: 1_000 },
    });
    await runner.start();
    await waitUntil('the runner reports its consumer down', () => runner?.consumerDown() !== null, 30_000);
    expect(runner.consumerDown()?.error).toMatch(/supported protocols are incompatible/);
    // It keeps trying while the other member holds the group, and stays down.
    await waitUntil('a second refusal', () => (runner?.consumerDown()?.attempts ?? 0) >= 2, 30_000);

    await producer.send({ topic, messages: randomEvents(30, accounts) });
    await other.disconnect();
    other = undefined;

    const log = await readAll(kafka, topic, opens.length + 60);
    for (const [partition, offset] of lastOffsets(log))
      await waitForPosition(redis, name, { topic, partition, offset }, 30_000, notices);
    expect(runner.consumerDown()).toBeNull();
    expect(plain(await dumpPrefix(redis, projection.keyPrefix))).toEqual(
      plain(foldLog(projection, topic, log)),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'consumer running again', consumer: `projection ${name}` }),
    );
  });
});
