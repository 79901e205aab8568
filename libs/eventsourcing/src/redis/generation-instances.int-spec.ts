import { infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { unlinkPrefix } from './generation';
import { generationsPrefix, projectionKeys } from './keys';
import { dumpPrefix, foldLog, LedgerFeed, ledgerProjection, ledgerRegistry, plain } from './ledger.fixture';
import { RedisNotices } from './notices';
import { ProjectionRunner } from './runner';

// Issue 11 with two instances of a service: they share the partitions (one consumer group); one
// builds the new generation while both keep folding the current model live, and after the switch
// both continue on the new one. Real broker, shared Redis (keys of this run only).

describe('a rebuild into a new generation, two instances sharing the partitions', () => {
  const { KAFKA_BROKERS, REDIS_URL } = infraEnv();
  const kafka = new Kafka({
    clientId: 'generation-instances-int-spec',
    brokers: KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const redis = new Redis(REDIS_URL);
  const notices = new RedisNotices(redis);
  const topic = uniqueName('it-gen2');
  const name = uniqueName('ledger');
  const projection = ledgerProjection(name, [topic]);
  const own = projectionKeys(name);
  const accounts = Array.from({ length: 6 }, (_, i) => `acc-${i}`);
  const groupId = uniqueName('it-gen2-group');
  const warnings: object[] = [];
  let runners: ProjectionRunner[] = [];

  const newRunner = () =>
    new ProjectionRunner({
      kafka,
      redis,
      projection,
      registry: ledgerRegistry,
      groupId,
      epochCheckIntervalMs: 200,
      batch: { maxWaitTimeInMs: 100, maxEventsPerCall: 50, maxBytesPerPartition: 16 * 1024 },
      logger: {
        log: () => undefined,
        warn: (m) => void warnings.push(m),
        error: (m) => void warnings.push(m),
      },
    });

  const feed = new LedgerFeed(kafka, redis, notices, topic, name);
  const send = (count: number) => feed.send(count, accounts);
  const caughtUp = () => feed.caughtUp();

  beforeAll(async () => {
    await feed.open(4);
    runners = [newRunner(), newRunner()];
    await Promise.all(runners.map((r) => r.start()));
    await send(3_000);
    await caughtUp();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await feed.close();
    await notices.close();
    await unlinkPrefix(redis, projection.keyPrefix);
    await unlinkPrefix(redis, generationsPrefix(name));
    await redis.unlink(...Object.values(own));
    redis.disconnect();
  });

  it('keeps the model whole and live on both during the build, and both fold on from the new generation', async () => {
    const [builder, other] = runners as [ProjectionRunner, ProjectionRunner];
    const epoch = await redis.get(own.epoch);
    const rebuilds = builder.stats.rebuilds + other.stats.rebuilds;
    const rebuilding = builder.rebuild();
    await waitUntil('the build to begin', async () => (await redis.exists(own.building)) === 1, 10_000);
    // Events during the build reach the current model on whichever instance owns their partition.
    await send(200);
    await caughtUp();
    expect(await redis.get(`${projection.keyPrefix}events`)).toBe(String(feed.written));
    await rebuilding;
    expect(await redis.get(own.epoch)).not.toBe(epoch);
    expect(builder.stats.rebuilds + other.stats.rebuilds).toBe(rebuilds + 1);

    // After the switch both instances fold on top of the generation's checkpoints.
    const appliedBefore = other.stats.applied;
    await send(400);
    const log = await caughtUp();
    expect(other.stats.applied).toBeGreaterThan(appliedBefore);
    expect(plain(await dumpPrefix(redis, projection.keyPrefix))).toEqual(
      plain(foldLog(projection, topic, log)),
    );
    expect(await redis.get(`${projection.keyPrefix}events`)).toBe(String(feed.written));
  }, 120_000);
});
