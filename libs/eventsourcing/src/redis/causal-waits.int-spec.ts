import { createTopicsReady, infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { KafkaClients } from '@gpux/platform';
import type { Admin, Producer, RecordMetadata } from 'kafkajs';
import type { Envelope } from '@gpux/contracts';
import type { Projection, RedisOp } from '../domain/projection';
import { projectionKeys } from './keys';
import { LedgerEvent, ledgerMessage, ledgerRegistry } from './ledger.fixture';
import { RedisNotices } from './notices';
import type { ProjectionLogger } from './options';
import { readCheckpoint, waitForPosition } from './position';
import { resetReadModel } from './reset';
import { ProjectionRunner } from './runner';

// An effect on one partition whose cause is on another (a provider's earnings and the buyer's
// charge, in settlement): the runner applies the effect only once the cause is, against the real
// broker and Redis. Keys and topics of this run only.

/**
 * Transfers: a debit counts what an account has sent (a running total), and a credit whose memo
 * says `from:<account>:<total>` is the effect of that account's debits up to that total.
 */
function transfers(name: string, topic: string): Projection {
  const p = `ledger:${name}:`;
  return {
    name,
    topics: [topic],
    keyPrefix: p,
    apply(e: Envelope): RedisOp[] {
      if (e.type !== 'ledger.Debited' && e.type !== 'ledger.Credited') return [];
      const data = e.data as { account: string; amount: number; memo?: string | null };
      if (e.type === 'ledger.Debited')
        return [{ op: 'hincrby', key: `${p}sent`, field: data.account, by: data.amount }];
      const cause = /^from:(.+):(\d+)$/.exec(data.memo ?? '');
      return [
        ...(cause
          ? [{ op: 'requires', key: `${p}sent`, field: cause[1]!, atLeast: Number(cause[2]) } as const]
          : []),
        { op: 'hincrby', key: `${p}account:${data.account}`, field: 'balance', by: data.amount },
      ];
    },
  };
}

describe('a projection event that requires its cause on another partition (real Kafka and Redis)', () => {
  const { KAFKA_BROKERS, REDIS_URL } = infraEnv();
  const clients = new KafkaClients({ clientId: 'causal-int-spec', brokers: KAFKA_BROKERS.split(',') });
  const redis = new Redis(REDIS_URL);
  const notices = new RedisNotices(redis);
  const warnings: object[] = [];
  const logger: ProjectionLogger = {
    log: () => undefined,
    warn: (m) => void warnings.push(m),
    error: (m) => void warnings.push(m),
  };
  const topics = [uniqueName('it-causal'), uniqueName('it-causal-lost'), uniqueName('it-causal-refold')];
  const names = [uniqueName('causal'), uniqueName('causal-lost'), uniqueName('causal-refold')];
  const runners: ProjectionRunner[] = [];
  let admin: Admin;
  let producer: Producer;

  const credit = (account: string, amount: number, memo: string | null): LedgerEvent => ({
    type: 'ledger.Credited',
    data: { account, amount, memo },
  });
  const debit = (account: string, amount: number): LedgerEvent => ({
    type: 'ledger.Debited',
    data: { account, amount },
  });
  async function send(topic: string, partition: number, events: LedgerEvent[]): Promise<number> {
    const [meta] = (await producer.send({
      topic,
      messages: events.map((event) => ({ ...ledgerMessage(event), partition })),
    })) as RecordMetadata[];
    return Number(meta!.baseOffset) + events.length - 1;
  }
  const start = async (i: number, causalWaitLimitMs?: number) => {
    const runner = new ProjectionRunner({
      kafka: clients,
      redis,
      projection: transfers(names[i]!, topics[i]!),
      registry: ledgerRegistry,
      groupId: uniqueName('it-causal-group'),
      logger,
      epochCheckIntervalMs: 200,
      batch: { maxWaitTimeInMs: 100, ...(causalWaitLimitMs ? { causalWaitLimitMs } : {}) },
    });
    runners.push(runner);
    await runner.start();
    return runner;
  };
  const withoutCause = () =>
    warnings.filter((w) => /without its cause/.test(String((w as { msg?: string }).msg)));
  const hash = (i: number, key: string) => redis.hgetall(`ledger:${names[i]}:${key}`);

  beforeAll(async () => {
    admin = clients.kafka.admin();
    await admin.connect();
    await createTopicsReady(admin, {
      waitForLeaders: true,
      topics: topics.map((topic) => ({ topic, numPartitions: 2 })),
    });
    producer = clients.producer({ idempotent: true });
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await producer?.disconnect();
    await admin?.deleteTopics({ topics }).catch(() => undefined);
    await admin?.disconnect();
    for (const name of names) {
      await resetReadModel(redis, { name, keyPrefix: `ledger:${name}:` });
      const own = projectionKeys(name);
      await redis.del(own.checkpoint, own.epoch, own.rebuildLock);
    }
    await notices.close();
    await redis.quit();
    await clients.onApplicationShutdown();
  });

  it('applies the events before the effect, holds the effect until its cause is folded, then goes on', async () => {
    const runner = await start(0);
    const topic = topics[0]!;
    // The effect is in the log before its cause, the worst order a fetch could bring them in.
    const first = (await send(topic, 1, [credit('bob', 7, null)])) + 1;
    const last = await send(topic, 1, [credit('bob', 100, 'from:alice:100'), credit('bob', 5, null)]);
    await waitUntil('the effect to wait for its cause', () => runner.stats.causalWaits >= 3);
    expect(await hash(0, 'account:bob')).toEqual({ balance: '7' });
    expect(await readCheckpoint(redis, names[0]!, topic, 1)).toBe(first - 1);

    // Half the cause is not enough.
    await send(topic, 0, [debit('alice', 60)]);
    await waitUntil('half the cause to be folded', async () => (await hash(0, 'sent'))['alice'] === '60');
    const waits = runner.stats.causalWaits;
    await waitUntil('the effect to wait again', () => runner.stats.causalWaits > waits);
    expect(await hash(0, 'account:bob')).toEqual({ balance: '7' });

    await send(topic, 0, [debit('alice', 40)]);
    await waitForPosition(redis, names[0]!, { topic, partition: 1, offset: String(last) }, 20_000, notices);
    expect(await hash(0, 'account:bob')).toEqual({ balance: '112' });
    expect(await hash(0, 'sent')).toEqual({ alice: '100' });
    expect(withoutCause()).toEqual([]);
  });

  it('refolds the same model into a new generation, the effect again after its cause', async () => {
    const runner = runners[0]!;
    await runner.rebuild();
    expect(await hash(0, 'account:bob')).toEqual({ balance: '112' });
    expect(await hash(0, 'sent')).toEqual({ alice: '100' });
    expect(withoutCause()).toEqual([]);
  });

  it('applies an effect whose cause never comes after the limit, with a warning, and does not stop the partition', async () => {
    const runner = await start(1, 300);
    const topic = topics[1]!;
    const last = await send(topic, 1, [credit('carol', 9, 'from:nobody:1'), credit('carol', 1, null)]);
    await waitForPosition(redis, names[1]!, { topic, partition: 1, offset: String(last) }, 20_000, notices);
    expect(await hash(1, 'account:carol')).toEqual({ balance: '10' });
    expect(runner.stats.causalWaits).toBeGreaterThan(0);
    expect(warnings).toContainEqual(
      expect.objectContaining({
        msg: 'projection applies an event without its cause: it waited longer than the limit',
        projection: names[1],
        topic,
        partition: 1,
        offset: last - 1,
      }),
    );
  });

  it('refolds without waiting for the causes of what was in the log when it began, and waits past it', async () => {
    // An effect whose cause is not in the log at all: a live fold waits for it (the limit is far
    // off here); a refold trusts the log's order instead (a cause is in the log before its effect,
    // so it is folded by the time the refold is read), so this one is applied at once.
    const runner = await start(2, 600_000);
    const topic = topics[2]!;
    const first = await send(topic, 1, [credit('dave', 5, 'from:erin:50')]);
    await waitUntil('the effect to wait for its cause', () => runner.stats.causalWaits >= 1);
    expect(await hash(2, 'account:dave')).toEqual({});

    // Redis lost the model (its epoch gone, as after FLUSHALL): the runner resets and refolds it.
    await redis.del(projectionKeys(names[2]!).epoch);
    await waitForPosition(redis, names[2]!, { topic, partition: 1, offset: String(first) }, 20_000, notices);
    expect(await hash(2, 'account:dave')).toEqual({ balance: '5' });
    await waitUntil(
      'the refold to be whole',
      async () => !(await redis.exists(projectionKeys(names[2]!).rebuilding)),
    );

    // The log's tail on both partitions is an aborted transaction (a writer fenced mid-transaction):
    // offsets without events, which the build must pass to reach the end it switches at.
    const writer = clients.producer({
      transactionalId: uniqueName('it-causal-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await writer.connect();
    const aborted = await writer.transaction();
    await aborted.send({
      topic,
      messages: [0, 1].map((partition) => ({ ...ledgerMessage(debit('zed', 1)), partition })),
    });
    await aborted.abort();
    await writer.disconnect();
    // An asked-for rebuild: a new generation, which the same rule lets switch in without the wait.
    await runner.rebuild();
    expect(await hash(2, 'account:dave')).toEqual({ balance: '5' });

    // Past the end the log had when the refold began: an effect waits for its cause again.
    const waits = runner.stats.causalWaits;
    const later = await send(topic, 1, [credit('dave', 1, 'from:erin:60')]);
    await waitUntil('the live effect to wait for its cause', () => runner.stats.causalWaits > waits);
    expect(await hash(2, 'account:dave')).toEqual({ balance: '5' });
    await send(topic, 0, [debit('erin', 60)]);
    await waitForPosition(redis, names[2]!, { topic, partition: 1, offset: String(later) }, 20_000, notices);
    expect(await hash(2, 'account:dave')).toEqual({ balance: '6' });
    expect(await readCheckpoint(redis, names[2]!, topic, 1)).toBeGreaterThanOrEqual(later);
    // Applied by the refolds' rule, not by the limit's.
    expect(withoutCause().filter((w) => (w as { projection?: string }).projection === names[2])).toEqual([]);
  }, 60_000);
});
