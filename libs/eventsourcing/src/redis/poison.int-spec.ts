import { Envelope } from '@gpux/contracts';
import { KafkaClients } from '@gpux/platform';
import { createTopicsReady, infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import type { Admin, Message, Producer } from 'kafkajs';
import type { Projection } from '../domain/projection';
import { projectionKeys } from './keys';
import { ledgerMessage, ledgerProjection, ledgerRegistry } from './ledger.fixture';
import type { ProjectionLogger } from './options';
import { readCheckpoint } from './position';
import { resetReadModel } from './reset';
import { ProjectionRunner } from './runner';

// A poison batch against the real broker and the shared Redis (keys of this run only): the
// script fails with WRONGTYPE every time, as a key collision made it fail in issue 11.

/**
 * The ledger projection, plus a bug: crediting the account `poison` also pushes onto its balance
 * hash (WRONGTYPE in Redis) until `fixed`. Counts how often the poison event was prepared.
 */
function buggyLedger(name: string, topic: string) {
  const ledger = ledgerProjection(name, [topic]);
  const state = { fixed: false, poisonAttempts: 0 };
  const projection: Projection = {
    ...ledger,
    apply(event: Envelope) {
      const ops = ledger.apply(event);
      const { account } = event.data as { account: string };
      if (account !== 'poison' || event.type !== 'ledger.Credited') return ops;
      state.poisonAttempts++;
      return state.fixed
        ? ops
        : [...ops, { op: 'rpush', key: `${ledger.keyPrefix}account:poison`, value: 'boom' }];
    },
  };
  return { projection, state };
}

const recordingLogger = () => {
  const errors: Array<Record<string, unknown>> = [];
  const logger: ProjectionLogger = {
    log: () => undefined,
    warn: () => undefined,
    error: (m) => void errors.push(m as Record<string, unknown>),
  };
  return { errors, logger };
};

describe('a projection given a poison batch (real Kafka and Redis)', () => {
  const { KAFKA_BROKERS, REDIS_URL } = infraEnv();
  const clients = new KafkaClients({ clientId: 'poison-int-spec', brokers: KAFKA_BROKERS.split(',') });
  const redis = new Redis(REDIS_URL);
  const topic = uniqueName('it-poison');
  const name = uniqueName('poison');
  const { projection, state } = buggyLedger(name, topic);
  const { errors, logger } = recordingLogger();
  let admin: Admin;
  let producer: Producer;
  let runner: ProjectionRunner;

  const to = (partition: number, messages: Message[]) =>
    producer.send({ topic, messages: messages.map((m) => ({ ...m, partition })) });
  const credit = (account: string, amount: number) =>
    ledgerMessage({ type: 'ledger.Credited', data: { account, amount, memo: null } });
  const open = (account: string) =>
    ledgerMessage({ type: 'ledger.Opened', data: { account, owner: account } });
  const balance = async (account: string) =>
    Number(await redis.hget(`${projection.keyPrefix}account:${account}`, 'balance'));

  beforeAll(async () => {
    admin = clients.kafka.admin();
    await admin.connect();
    await createTopicsReady(admin, { waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    producer = clients.producer({ idempotent: true });
    await producer.connect();
    runner = new ProjectionRunner({
      kafka: clients,
      redis,
      projection,
      registry: ledgerRegistry,
      groupId: uniqueName('it-poison-group'),
      logger,
      epochCheckIntervalMs: 200,
      batch: { maxWaitTimeInMs: 100 },
      poison: { attempts: 3, backoffMs: 50 },
    });
    await runner.start();
  });

  afterAll(async () => {
    await runner?.stop();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await resetReadModel(redis, projection);
    const own = projectionKeys(name);
    await redis.del(own.checkpoint, own.epoch, own.rebuildLock);
    await redis.quit();
    await clients.onApplicationShutdown();
  });

  it('stops that partition after bounded retries with one error line, folds the others, and recovers on a rebuild once fixed', async () => {
    await to(0, [open('poison'), credit('poison', 5)]);
    await to(1, [open('acc-1'), credit('acc-1', 7)]);

    await waitUntil('partition 0 to stop', () => runner.stopped().length === 1, 10_000);
    const [stopped] = runner.stopped();
    expect(stopped).toMatchObject({ projection: name, topic, partition: 0, offset: 0, attempts: 3 });
    expect(stopped?.error).toMatch(/WRONGTYPE/);
    expect(state.poisonAttempts).toBe(3);
    // The script looked before it wrote: three attempts credited nothing.
    expect(await balance('poison')).toBe(0);
    // One line, naming the projection, the partition, the offset and the error.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ projection: name, topic, partition: 0, offset: 0 });
    expect(String(errors[0]?.['error'])).toMatch(/WRONGTYPE/);

    // The other partitions go on, and the stopped one is left alone.
    await waitUntil('acc-1 credited', async () => (await balance('acc-1')) === 7, 10_000);
    await to(2, [open('acc-2'), credit('acc-2', 3)]);
    await to(0, [credit('poison', 1)]);
    await waitUntil('acc-2 credited', async () => (await balance('acc-2')) === 3, 10_000);
    expect(await readCheckpoint(redis, name, topic, 0)).toBeUndefined();
    expect(runner.stopped()).toHaveLength(1);
    expect(state.poisonAttempts).toBe(3);
    expect(errors).toHaveLength(1);

    // Not fixed yet: the rebuild's new generation meets the same batch and is given up (its request
    // too: it would fail again), leaving the model readers read as it was.
    await expect(runner.rebuild()).rejects.toThrow(
      new RegExp(`rebuild abandoned: a batch of ${topic}:0 failed 3 times: .*WRONGTYPE`),
    );
    expect(await redis.exists(projectionKeys(name).rebuildRequest, projectionKeys(name).building)).toBe(0);
    expect(await balance('acc-1')).toBe(7);
    expect(await balance('acc-2')).toBe(3);
    expect(runner.stopped()).toHaveLength(1);

    // Fixed: a rebuild folds everything again, the poison partition included.
    state.fixed = true;
    await runner.rebuild();
    await waitUntil('the poison account credited', async () => (await balance('poison')) === 6, 10_000);
    expect(runner.stopped()).toEqual([]);
    expect(await balance('acc-1')).toBe(7);
    expect(await balance('acc-2')).toBe(3);
  });
});
