import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ServiceApp, startService } from '@gpux/platform';
import { DedicatedRedis, freePort, infraEnv, uniqueName, wholeReadModelHealth } from '@gpux/testing';
import { settlementService } from '../service';
import {
  AccountCommandResult,
  DepositCommand,
  GetAccountQuery,
  GetLedgerQuery,
  OpenAccountCommand,
  WithdrawCommand,
} from './accounts.cqrs';

/** The settlement service in process, on a Redis of its own, with `env` over the defaults. */
async function startSettlement(
  namespace: string,
  env: Record<string, string> = {},
): Promise<{ redis: DedicatedRedis; service: ServiceApp }> {
  const redis = await DedicatedRedis.start();
  const service = await startService(
    settlementService,
    {
      ...infraEnv(),
      REDIS_URL: redis.url,
      PORT: String(await freePort()),
      TOPIC_NAMESPACE: uniqueName(namespace),
      LOG_LEVEL: 'warn',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      ...env,
    },
    { shutdownHooks: false },
  );
  return { redis, service };
}

// The first slice through the whole machinery, in process: CQRS command bus -> Kafka commands ->
// transactional decider -> events -> Redis projections -> query bus, with read-your-writes.
describe('settlement accounts through the command and query buses', () => {
  let redis: DedicatedRedis;
  let service: ServiceApp;
  let commands: CommandBus;
  let queries: QueryBus;

  beforeAll(async () => {
    ({ redis, service } = await startSettlement('acc'));
    commands = service.app.get(CommandBus);
    queries = service.app.get(QueryBus);
  });
  afterAll(async () => {
    await service?.app.close();
    await redis?.stop();
  });

  const run = (c: object) => commands.execute(c as never) as Promise<AccountCommandResult>;

  it('opens, credits and debits an account, answering with the balance queries then see', async () => {
    const opened = await run(new OpenAccountCommand('acc-1', 'Ada'));
    expect(opened.outcome.status).toBe('accepted');
    expect(opened.account).toEqual({ accountId: 'acc-1', owner: 'Ada', balance: 0, held: 0 });

    const deposited = await run(new DepositCommand('acc-1', 12_500_000, 'wire-1'));
    expect(deposited.account?.balance).toBe(12_500_000);
    const withdrawn = await run(new WithdrawCommand('acc-1', 2_500_001));
    expect(withdrawn.account?.balance).toBe(9_999_999);
    expect(await queries.execute(new GetAccountQuery('acc-1'))).toEqual({
      accountId: 'acc-1',
      owner: 'Ada',
      balance: 9_999_999,
      held: 0,
    });
    expect(await queries.execute(new GetLedgerQuery('acc-1'))).toEqual([
      expect.objectContaining({ kind: 'deposit', amount: 12_500_000, reference: 'wire-1' }),
      expect.objectContaining({ kind: 'withdrawal', amount: -2_500_001, reference: null }),
    ]);
  });

  it('rejects a withdrawal that would go negative with INSUFFICIENT_FUNDS and changes nothing', async () => {
    await run(new OpenAccountCommand('acc-2', 'Bob'));
    await run(new DepositCommand('acc-2', 100));
    const result = await run(new WithdrawCommand('acc-2', 101));
    // What was available, as a figure of its own (minor units), beside the message.
    expect(result.outcome).toMatchObject({
      status: 'rejected',
      code: 'INSUFFICIENT_FUNDS',
      field: 'amount',
      available: 100,
    });
    expect(result.account?.balance).toBe(100);
  });

  it('answers a repeated idempotency key with the first outcome and writes nothing new', async () => {
    await run(new OpenAccountCommand('acc-3', 'Cy'));
    const first = await run(new DepositCommand('acc-3', 40, undefined, 'client-key-7'));
    const again = await run(new DepositCommand('acc-3', 40, undefined, 'client-key-7'));
    // The first outcome, marked as answered again (not decided anew).
    expect(again.outcome).toEqual({ ...first.outcome, replayed: true });
    expect(first.outcome).not.toHaveProperty('replayed');
    expect(again.account?.balance).toBe(40);
    expect(await queries.execute(new GetLedgerQuery('acc-3'))).toHaveLength(1);
  });

  it('reports the read model and its lag in /health, and says so while it refolds', async () => {
    // Started on a model without an epoch, the service refolded it from offset 0.
    const whole = await wholeReadModelHealth(service.url, 'settlement.read-model', (refolding) =>
      expect(refolding).toEqual({ since: expect.any(String), ms: expect.any(Number) }),
    );
    expect(whole).toEqual({ status: 'up', lag: expect.any(Number), partitions: 6 });
  });
});

// A key is remembered for the idempotency window, and so is its outcome: after the window a
// request with the key is a new request (README), which must be answered with its own outcome.
// Outcomes were kept forever, so it was answered with the first one while its command ran again.
describe('settlement: a key used again after its idempotency window', () => {
  const WINDOW_MS = 2_000;
  let redis: DedicatedRedis;
  let service: ServiceApp;
  let commands: CommandBus;

  beforeAll(async () => {
    ({ redis, service } = await startSettlement('acc-window', { IDEMPOTENCY_WINDOW_MS: String(WINDOW_MS) }));
    commands = service.app.get(CommandBus);
  });
  afterAll(async () => {
    await service?.app.close();
    await redis?.stop();
  });

  const run = (c: object) => commands.execute(c as never) as Promise<AccountCommandResult>;

  it("is a new request, answered with its own outcome; within the window it is a retry, and the outcome is Redis' for no longer", async () => {
    await run(new OpenAccountCommand('acc-w', 'Wu'));
    const first = await run(new DepositCommand('acc-w', 40, undefined, 'window-key'));
    const retried = await run(new DepositCommand('acc-w', 40, undefined, 'window-key'));
    expect(retried.outcome).toEqual({ ...first.outcome, replayed: true });
    expect(retried.account?.balance).toBe(40);
    // Every outcome in Redis (the account's opening and the deposit: a hash each, and their events
    // lists) goes when its window ends.
    const outcomes = await redis.client().keys('*outcomes*');
    expect(outcomes.length).toBeGreaterThanOrEqual(4);
    for (const key of outcomes) {
      const ttl = await redis.client().pttl(key);
      expect([key, ttl > 0 && ttl <= WINDOW_MS]).toEqual([key, true]);
    }

    await new Promise((r) => setTimeout(r, WINDOW_MS + 500));
    const later = await run(new DepositCommand('acc-w', 40, undefined, 'window-key'));
    expect(later.outcome.status).toBe('accepted');
    expect(later.outcome.commandId).not.toBe(first.outcome.commandId);
    expect(later.outcome).not.toHaveProperty('replayed');
    expect(later.account?.balance).toBe(80);
  }, 30_000);
});
