// A lease paid for end to end, against the real Kafka and Redis: the built settlement service (as
// `npm start` runs it) is sent the commands orders writes with its BidAwaitingFunds and
// TradeExecuted events (its escrow-holds process manager's HoldFunds, and OpenLease with what the
// trade releases), holds the bid's worst case, moves the trade into lease escrow and releases the
// rest, meters the 3-second lease every 300 ms, and pays the provider and the platform; to the
// minor unit, with the double-entry ledger balanced at the end.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  capacityReadModel,
  nodeHeartbeatKey,
  PLATFORM_ACCOUNT_ID,
  settlementMessages,
  settlementReadModel as rm,
  topic,
} from '@gpux/contracts';
import { readOutcome } from '@gpux/eventsourcing';
import { commandMessage } from '@gpux/eventsourcing/testing';
import { KafkaClients } from '@gpux/platform';
import { DedicatedRedis, freePort, infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import type { Producer } from 'kafkajs';
import { SettlementQueries } from '@gpux/read-models';
import { accruedCharge } from '../domain/leases/billing';

const ROOT = resolve(__dirname, '../../../..');

// The trade: 2 GPUs for 1 (3-second) hour at 2.000010/h, from a bid limited at 2.10/h; fee 2.5 %.
const DEPOSIT = 100_000_000;
const WITHDRAWAL = 1_000_001;
const FEE_BPS = 250;
const perGpuHour = (price: number) => price + Math.ceil((price * FEE_BPS) / 10_000);
const BID = { price: 2_100_000, gpus: 2, hours: 1 };
const HOLD = BID.gpus * BID.hours * perGpuHour(BID.price);
const PRICE = 2_000_010;
const VALUE = BID.gpus * BID.hours * PRICE;
const FEE = BID.gpus * BID.hours * (perGpuHour(PRICE) - PRICE);
const RELEASED = HOLD - VALUE - FEE;
const LEASE_MS = 3_000;

describe('a lease metered and paid by the settlement service', () => {
  const env = infraEnv();
  const ns = uniqueName('lease');
  const clients = new KafkaClients({ clientId: 'leases-int-spec', brokers: env.KAFKA_BROKERS.split(',') });
  const logFile = join(tmpdir(), `${ns}.log`);
  let redis: DedicatedRedis;
  let child: ChildProcess | undefined;
  let producer: Producer;

  beforeAll(async () => {
    const main = join(ROOT, 'dist/out-tsc/services/settlement/src/main.js');
    if (!existsSync(main))
      throw new Error(`${main} is missing: build first (npx nx build settlement, or npm test)`);
    redis = await DedicatedRedis.start();
    producer = clients.producer({ idempotent: true });
    await producer.connect();
    const port = await freePort();
    const out = openSync(logFile, 'a');
    child = spawn('node', ['infra/runtime/run.js', 'services/settlement'], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        KAFKA_BROKERS: env.KAFKA_BROKERS,
        REDIS_URL: redis.url,
        PORT: String(port),
        TOPIC_NAMESPACE: ns,
        LOG_LEVEL: 'warn',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        LEASE_METER_INTERVAL_MS: '300',
        LEASE_CHARGE_DELAY_MS: '0',
        // The default, ten minutes: far past every wait of the scenarios where orders' end comes
        // (the test sends it), so the meter's own end never races them; the scenario of the meter's
        // end dates its breach further back.
        LEASE_BREACH_GRACE_MS: '600000',
      },
      stdio: ['ignore', out, out],
    });
    await waitUntil(
      'settlement to answer /health',
      async () => (await fetch(`http://127.0.0.1:${port}/health`, { headers: { connection: 'close' } })).ok,
      60_000,
    );
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await producer?.disconnect();
    await redis?.stop();
    await clients.onApplicationShutdown();
  });

  type Command = { type: string; subject: string; data: Record<string, unknown>; idempotencyKey?: string };
  /** Commands written together, in this order, to one partition where their subjects are one. */
  const commands = (...sent: Command[]) =>
    producer.send({
      topic: topic('settlement', 'commands', ns).name,
      messages: sent.map((c) => commandMessage(settlementMessages, c)),
    });
  const command = (type: string, subject: string, data: Record<string, unknown>) =>
    commands({ type, subject, data });
  const account = async (id: string) => {
    const h = await redis.client().hgetall(rm.account(id));
    return {
      balance: Number(h['balance'] ?? 0),
      held: Number(h['held'] ?? 0),
      escrow: Number(h['escrow'] ?? 0),
      earned: Number(h['earned'] ?? 0),
      owner: h['owner'],
    };
  };
  const withLog = (e: Error) =>
    new Error(
      `${e.message}\nservice log tail:\n${readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')}`,
    );
  /** A buyer's account, funded with DEPOSIT, holding HOLD for each of `holdIds` once the call returns. */
  const fundedBuyer = async (buyer: string, owner: string, holdIds: string[]) => {
    await command('settlement.OpenAccount', buyer, { accountId: buyer, owner });
    await command('settlement.Deposit', buyer, { accountId: buyer, amount: DEPOSIT });
    for (const holdId of holdIds)
      await command('settlement.HoldFunds', buyer, {
        accountId: buyer,
        holdId,
        amount: HOLD,
        marketId: 'H100',
      });
    await waitUntil(
      `${buyer}'s holds`,
      async () => (await account(buyer)).held === holdIds.length * HOLD,
      15_000,
    ).catch((e: Error) => Promise.reject(withLog(e)));
  };
  /**
   * Opens a lease of BID's GPUs at PRICE in market H100 on a hold of fundedBuyer's; `after`, the
   * buyer's commands written right behind it, in the same batch (nothing the service sends comes between).
   */
  const openLease = (
    buyer: string,
    lease: {
      leaseId: string;
      holdId: string;
      providerId: string;
      nodeId: string;
      start: number;
      end: number;
    },
    ...after: Command[]
  ) =>
    commands(
      {
        type: 'settlement.OpenLease',
        subject: buyer,
        data: {
          accountId: buyer,
          leaseId: lease.leaseId,
          holdId: lease.holdId,
          providerId: lease.providerId,
          marketId: 'H100',
          nodeId: lease.nodeId,
          gpus: BID.gpus,
          price: PRICE,
          value: VALUE,
          fee: FEE,
          start: new Date(lease.start).toISOString(),
          end: new Date(lease.end).toISOString(),
          holdReleased: RELEASED,
        },
      },
      ...after,
    );

  it('holds the bid, escrows the trade, charges it as it runs, and pays provider and platform to the minor unit', async () => {
    await command('settlement.OpenAccount', 'buyer', { accountId: 'buyer', owner: 'Ada' });
    await command('settlement.OpenAccount', 'prov', { accountId: 'prov', owner: 'GPU farm' });
    await command('settlement.Deposit', 'buyer', {
      accountId: 'buyer',
      amount: DEPOSIT,
      reference: 'wire-1',
    });
    await command('settlement.Withdraw', 'buyer', { accountId: 'buyer', amount: WITHDRAWAL });
    await waitUntil(
      'the deposit and withdrawal',
      async () => (await account('buyer')).balance === DEPOSIT - WITHDRAWAL,
      15_000,
    ).catch((e: Error) => Promise.reject(withLog(e)));

    await command('settlement.HoldFunds', 'buyer', {
      accountId: 'buyer',
      holdId: 'b1',
      amount: HOLD,
      marketId: 'H100',
    });
    await waitUntil("the bid's hold", async () => (await account('buyer')).held === HOLD, 15_000).catch(
      (e: Error) => Promise.reject(withLog(e)),
    );

    const start = Date.now();
    await command('settlement.OpenLease', 'buyer', {
      accountId: 'buyer',
      leaseId: 'H100-t1',
      holdId: 'b1',
      providerId: 'prov',
      marketId: 'H100',
      nodeId: 'n1',
      gpus: BID.gpus,
      price: PRICE,
      value: VALUE,
      fee: FEE,
      start: new Date(start).toISOString(),
      end: new Date(start + LEASE_MS).toISOString(),
      holdReleased: RELEASED,
    });
    await waitUntil(
      'the lease to end',
      async () => (await redis.client().hget(rm.lease('H100-t1'), 'status')) === 'ENDED',
      20_000,
    ).catch((e: Error) => Promise.reject(withLog(e)));
    // The provider's and the platform's credits follow the final charge through the process manager.
    const totals = async () => {
      const t = await redis.client().hgetall(rm.totals);
      return {
        deposits: Number(t['deposits'] ?? 0),
        withdrawals: Number(t['withdrawals'] ?? 0),
        clearing: Number(t['clearing'] ?? 0),
      };
    };
    await waitUntil(
      'every charge to be credited',
      async () => (await totals()).clearing === 0 && (await account(PLATFORM_ACCOUNT_ID)).balance === FEE,
      10_000,
    ).catch((e: Error) => Promise.reject(withLog(e)));

    expect(await redis.client().hgetall(rm.lease('H100-t1'))).toMatchObject({
      buyerId: 'buyer',
      providerId: 'prov',
      value: String(VALUE),
      fee: String(FEE),
      chargedValue: String(VALUE),
      chargedFee: String(FEE),
      refunded: '0',
      status: 'ENDED',
    });
    expect(await redis.client().zrange(rm.activeLeases, 0, -1)).toEqual([]);

    expect(await account('buyer')).toEqual({
      balance: DEPOSIT - WITHDRAWAL - VALUE - FEE,
      held: 0,
      escrow: 0,
      earned: 0,
      owner: 'Ada',
    });
    expect(await account('prov')).toEqual({
      balance: VALUE,
      held: 0,
      escrow: 0,
      earned: VALUE,
      owner: 'GPU farm',
    });
    expect(await account(PLATFORM_ACCOUNT_ID)).toEqual({
      balance: FEE,
      held: 0,
      escrow: 0,
      earned: FEE,
      owner: 'GPU Exchange platform',
    });

    // The ledger's invariant: every account's books, plus what is in clearing, are what came in less what went out.
    const t = await totals();
    expect(t).toEqual({ deposits: DEPOSIT, withdrawals: WITHDRAWAL, clearing: 0 });
    const ids = await redis.client().zrange(rm.accounts, 0, -1);
    expect(ids.sort()).toEqual(['buyer', PLATFORM_ACCOUNT_ID, 'prov'].sort());
    let sum = 0;
    for (const id of ids) {
      const a = await account(id);
      sum += a.balance + a.held + a.escrow;
    }
    expect(sum).toBe(t.deposits - t.withdrawals);

    // The buyer's ledger adds up to its books, and tells the story: the hold, the limit difference
    // released, the lease escrow, and charges as the lease ran (not one lump at its end).
    const entries = (await redis.client().lrange(rm.ledger('buyer'), 0, -1)).map(
      (e) =>
        JSON.parse(e) as {
          kind: string;
          amount: number;
          held?: number;
          escrow?: number;
          reference: string | null;
        },
    );
    expect(entries.reduce((s, e) => s + e.amount, 0)).toBe(DEPOSIT - WITHDRAWAL - VALUE - FEE);
    expect(entries.reduce((s, e) => s + (e.held ?? 0), 0)).toBe(0);
    expect(entries.reduce((s, e) => s + (e.escrow ?? 0), 0)).toBe(0);
    expect(entries.filter((e) => e.kind !== 'charge')).toEqual([
      expect.objectContaining({ kind: 'deposit', amount: DEPOSIT, reference: 'wire-1' }),
      expect.objectContaining({ kind: 'withdrawal', amount: -WITHDRAWAL }),
      expect.objectContaining({ kind: 'hold', amount: -HOLD, held: HOLD, reference: 'b1' }),
      expect.objectContaining({
        kind: 'lease',
        amount: 0,
        held: -(VALUE + FEE),
        escrow: VALUE + FEE,
        reference: 'H100-t1',
      }),
      expect.objectContaining({ kind: 'release', amount: RELEASED, held: -RELEASED, reference: 'b1' }),
    ]);
    const charges = entries.filter((e) => e.kind === 'charge');
    expect(charges.length).toBeGreaterThanOrEqual(2);
    expect(charges.reduce((s, e) => s + (e.escrow ?? 0), 0)).toBe(-(VALUE + FEE));
  }, 60_000);

  it("charges a lease on a watched node no further than the node's last heartbeat, and on once it beats again", async () => {
    // Capacity watches node n2 (a session in its read model); its worker last beat 600 ms into the
    // lease, as if it died then and its breach had not come yet.
    const start = Date.now() + 200;
    const end = start + LEASE_MS;
    const lastBeat = start + 600;
    await redis.client().hset(capacityReadModel.node('n2'), 'sessionId', 'ses-n2');
    await redis.client().set(nodeHeartbeatKey('n2'), new Date(lastBeat).toISOString());
    await fundedBuyer('buyer2', 'Grace', ['b2']);
    await openLease('buyer2', {
      leaseId: 'H100-t2',
      holdId: 'b2',
      providerId: 'prov',
      nodeId: 'n2',
      start,
      end,
    });
    const charged = async () => {
      const l = await redis.client().hgetall(rm.lease('H100-t2'));
      return {
        value: Number(l['chargedValue'] ?? -1),
        fee: Number(l['chargedFee'] ?? -1),
        status: l['status'],
      };
    };
    const byBeat = accruedCharge({ value: VALUE, fee: FEE, start, end }, lastBeat);
    await waitUntil(
      'the lease to be charged up to the last heartbeat',
      async () => {
        const c = await charged();
        return c.value === byBeat.value && c.fee === byBeat.fee;
      },
      15_000,
    ).catch((e: Error) => Promise.reject(withLog(e)));
    // Past the lease's end, and a dozen meter ticks later, nothing more is charged: the node has not
    // been heard from since.
    await new Promise((r) => setTimeout(r, Math.max(0, end - Date.now()) + 12 * 300));
    expect(await charged()).toEqual({ ...byBeat, status: 'ACTIVE' });

    // It beats again (it was alive: the gateway had been down): the lease is charged to its end.
    await redis.client().set(nodeHeartbeatKey('n2'), new Date().toISOString());
    await waitUntil('the lease to end', async () => (await charged()).status === 'ENDED', 15_000).catch(
      (e: Error) => Promise.reject(withLog(e)),
    );
    expect(await charged()).toEqual({ value: VALUE, fee: FEE, status: 'ENDED' });
  }, 60_000);

  it.each([
    // A spot check failed 800 ms in: the worker is alive and beats on.
    { name: 'a failed spot check', reason: 'CHALLENGE_FAILED', session: 'ses' },
    // Its credential revoked 800 ms in: the session ends with it, and nothing watches the node.
    { name: 'a revoked credential', reason: 'CREDENTIAL_REVOKED', session: null },
  ] as const)(
    "never charges a lease past its node's breach ($name), however late the breach reaches settlement",
    async ({ name, reason, session }) => {
      // capacity has recorded the breach (its model: SUSPENDED at `at`); orders has not breached the
      // lease yet (down, or lagging) when the lease's end passes. A second lease, on a node no worker
      // watches, shows when the meter has passed that end: its charges are decided after the first's
      // (one buyer, one partition; the meter walks leases by end).
      const id = `t-${reason}`;
      const start = Date.now() + 200;
      const end = start + LEASE_MS;
      const at = new Date(start + 800).toISOString();
      await redis.client().hset(capacityReadModel.node(`n-${id}`), {
        status: 'SUSPENDED',
        suspendedReason: reason,
        suspendedAt: at,
        ...(session ? { sessionId: session } : { credentialRevoked: '1' }),
      });
      // The worker beats on: its heartbeat reads later than any tick of this test.
      if (session)
        await redis.client().set(nodeHeartbeatKey(`n-${id}`), new Date(end + 3_600_000).toISOString());
      const buyer = `buyer-${id}`;
      await fundedBuyer(buyer, name, ['b', 'b-clock']);
      const [providerBefore, platformBefore] = [
        (await account(`prov-${id}`)).balance,
        (await account(PLATFORM_ACCOUNT_ID)).balance,
      ];
      for (const [leaseId, nodeId, holdId, until] of [
        [id, `n-${id}`, 'b', end - 1],
        [`${id}-clock`, 'n-admin', 'b-clock', end],
      ] as const)
        await openLease(buyer, { leaseId, holdId, providerId: `prov-${id}`, nodeId, start, end: until });
      const lease = async (leaseId: string) => {
        const l = await redis.client().hgetall(rm.lease(leaseId));
        const [value, fee, refunded] = [l['chargedValue'], l['chargedFee'], l['refunded']].map(Number);
        return { value, fee, refunded, status: l['status'] };
      };
      await waitUntil(
        'the meter past the end',
        async () => (await lease(`${id}-clock`)).status === 'ENDED',
        20_000,
      ).catch((e: Error) => Promise.reject(withLog(e)));
      const due = accruedCharge({ value: VALUE, fee: FEE, start, end: end - 1 }, Date.parse(at));
      // Charged up to the breach, and no further, though the lease's end has passed.
      expect(await lease(id)).toEqual({ ...due, refunded: 0, status: 'ACTIVE' });

      // The breach arrives (escrow-holds PM, from orders' LeaseBreached): due up to `at`, the rest back.
      await command('settlement.EndLeaseEarly', buyer, { accountId: buyer, leaseId: id, reason, at });
      await waitUntil('the early end', async () => (await lease(id)).status !== 'ACTIVE', 15_000).catch(
        (e: Error) => Promise.reject(withLog(e)),
      );
      const refund = VALUE + FEE - due.value - due.fee;
      expect(refund).toBeGreaterThan(0);
      expect(await lease(id)).toMatchObject({ ...due, refunded: refund });
      // Held = charged + released; charged = earned + fee; nothing left in escrow or clearing.
      await waitUntil(
        'every charge credited',
        async () =>
          Number(await redis.client().hget(rm.totals, 'clearing')) === 0 &&
          (await account(`prov-${id}`)).balance === providerBefore + VALUE + due.value,
        15_000,
      ).catch((e: Error) => Promise.reject(withLog(e)));
      expect(await account(buyer)).toMatchObject({
        balance: DEPOSIT - 2 * (VALUE + FEE) + refund,
        held: 0,
        escrow: 0,
      });
      expect((await account(PLATFORM_ACCOUNT_ID)).balance - platformBefore).toBe(FEE + due.fee);
    },
    60_000,
  );

  it('charges a lease to the first breach in it, though its node was certified and breached again before the lease was ended', async () => {
    // Each node failed a spot check 800 ms into its lease, was certified again, and left 2 s in (its
    // worker stopped), before the lease's end: capacity's node hash shows the second breach (the
    // first's reason dropped at the recertification, its `at` overwritten), its breaches both.
    // Orders has ended neither lease (it lags): t-twice runs now, and the test sends orders' end once
    // its end has passed; t-twice-old ended 11 minutes ago, and no end will come: the meter ends it.
    const now = Date.now();
    const terms = {
      't-twice': { nodeId: 'n-twice', holdId: 'b-twice', start: now + 200 },
      't-twice-old': { nodeId: 'n-twice-old', holdId: 'b-twice-old', start: now - 11 * 60_000 },
    };
    const first = (start: number) => new Date(start + 800).toISOString();
    for (const { nodeId, start } of Object.values(terms)) {
      const second = new Date(start + 2_000).toISOString();
      await redis.client().hset(capacityReadModel.node(nodeId), {
        status: 'SUSPENDED',
        suspendedReason: 'NODE_LEFT',
        suspendedAt: second,
        leftAt: second,
        lastBeatAt: second,
      });
      await redis
        .client()
        .zadd(
          capacityReadModel.nodeBreaches(nodeId),
          Date.parse(first(start)),
          JSON.stringify({ at: first(start), reason: 'CHALLENGE_FAILED' }),
          Date.parse(second),
          JSON.stringify({ at: second, reason: 'NODE_LEFT' }),
        );
    }
    const buyer = 'buyer-twice';
    await fundedBuyer(buyer, 'Grace', ['b-twice', 'b-twice-old', 'b-twice-clock']);
    const [providerBefore, platformBefore] = [
      (await account('prov-twice')).balance,
      (await account(PLATFORM_ACCOUNT_ID)).balance,
    ];
    const lease = async (leaseId: string) => {
      const l = await redis.client().hgetall(rm.lease(leaseId));
      const [value, fee, refunded] = [l['chargedValue'], l['chargedFee'], l['refunded']].map(Number);
      return { value, fee, refunded, status: l['status'], endedBy: l['endedBy'] };
    };
    const due = (start: number) =>
      accruedCharge({ value: VALUE, fee: FEE, start, end: start + LEASE_MS }, Date.parse(first(start)));
    for (const [leaseId, { nodeId, holdId, start }] of Object.entries(terms))
      await openLease(buyer, {
        leaseId,
        holdId,
        providerId: 'prov-twice',
        nodeId,
        start,
        end: start + LEASE_MS,
      });
    // A lease on a node no worker watches, to the same end: the meter has passed t-twice's end once
    // it is charged whole (one buyer, one partition).
    const { start } = terms['t-twice'];
    await openLease(buyer, {
      leaseId: 't-twice-clock',
      holdId: 'b-twice-clock',
      providerId: 'prov-twice',
      nodeId: 'n-admin',
      start,
      end: start + LEASE_MS,
    });
    await waitUntil(
      'the meter past the end',
      async () => (await lease('t-twice-clock')).status === 'ENDED',
      20_000,
    ).catch((e: Error) => Promise.reject(withLog(e)));
    // Charged up to the first breach, not the second, though the lease's end has passed.
    expect(await lease('t-twice')).toMatchObject({ ...due(start), refunded: 0, status: 'ACTIVE' });

    // Orders' end comes at last (escrow-holds PM, from LeaseBreached): at the first breach.
    await command('settlement.EndLeaseEarly', buyer, {
      accountId: buyer,
      leaseId: 't-twice',
      reason: 'CHALLENGE_FAILED',
      at: first(start),
    });
    let [earned, fees, refunds] = [VALUE, FEE, 0];
    for (const [leaseId, t] of Object.entries(terms)) {
      await waitUntil(
        `${leaseId} to end`,
        async () => (await lease(leaseId)).status === 'CREDITED',
        20_000,
      ).catch((e: Error) => Promise.reject(withLog(e)));
      const charged = due(t.start);
      const refund = VALUE + FEE - charged.value - charged.fee;
      expect(refund).toBeGreaterThan(0);
      // Held = charged + refunded, to the first breach and for its reason (the meter's own end too).
      expect(await lease(leaseId)).toEqual({
        ...charged,
        refunded: refund,
        status: 'CREDITED',
        endedBy: 'CHALLENGE_FAILED',
      });
      [earned, fees, refunds] = [earned + charged.value, fees + charged.fee, refunds + refund];
    }
    // Charges = earned + fee: every charge credited to the provider and the platform, once.
    await waitUntil(
      'every charge credited',
      async () =>
        Number(await redis.client().hget(rm.totals, 'clearing')) === 0 &&
        (await account('prov-twice')).balance === providerBefore + earned,
      20_000,
    ).catch((e: Error) => Promise.reject(withLog(e)));
    expect((await account(PLATFORM_ACCOUNT_ID)).balance - platformBefore).toBe(fees);
    expect(await account(buyer)).toMatchObject({
      balance: DEPOSIT - 3 * (VALUE + FEE) + refunds,
      held: 0,
      escrow: 0,
    });
  }, 90_000);

  it("ends a breached lease no LeaseBreached comes for itself, at the breach, and once with orders' end before or after it", async () => {
    // capacity recorded node n-gone's failed spot check 800 ms into two leases that began 11 minutes ago
    // (the worker beats on). Orders never breached t-pruned (its 3-second lease ended long ago, and
    // a later trade on the node pruned it from the market) and never will: no LeaseBreached comes.
    // It did breach t-answered, an hour long, the moment it was opened: its end came first, and the
    // meter's, read from a model behind the log, comes after it.
    const start = Date.now() - 11 * 60_000;
    const at = new Date(start + 800).toISOString();
    const reason = 'CHALLENGE_FAILED';
    await redis.client().hset(capacityReadModel.node('n-gone'), {
      status: 'SUSPENDED',
      suspendedReason: reason,
      suspendedAt: at,
      sessionId: 'ses-gone',
    });
    await redis.client().set(nodeHeartbeatKey('n-gone'), new Date(Date.now() + 3_600_000).toISOString());
    const buyer = 'buyer-gone';
    await fundedBuyer(buyer, 'Hedy', ['b-pruned', 'b-answered']);
    const [providerBefore, platformBefore] = [
      (await account('prov-gone')).balance,
      (await account(PLATFORM_ACCOUNT_ID)).balance,
    ];
    const terms = {
      'H100-t-pruned': { holdId: 'b-pruned', end: start + LEASE_MS },
      'H100-t-answered': { holdId: 'b-answered', end: start + 3_600_000 },
    };
    // What orders' LeaseBreached sends (escrow-holds PM), under a key of the test's.
    const ordersEnd = (leaseId: string): Command => ({
      type: 'settlement.EndLeaseEarly',
      subject: buyer,
      data: { accountId: buyer, leaseId, reason, at },
      idempotencyKey: `orders-${leaseId}`,
    });
    const lease = async (leaseId: string) => {
      const l = await redis.client().hgetall(rm.lease(leaseId));
      const [value, fee, refunded] = [l['chargedValue'], l['chargedFee'], l['refunded']].map(Number);
      return { value, fee, refunded, status: l['status'], endedBy: l['endedBy'] };
    };
    const ended = (leaseId: string) =>
      waitUntil(`${leaseId} to end`, async () => (await lease(leaseId)).status === 'CREDITED', 20_000).catch(
        (e: Error) => Promise.reject(withLog(e)),
      );
    const outcome = async (key: string) => {
      await waitUntil(
        `the outcome of ${key}`,
        async () => !!(await readOutcome(redis.client(), 'settlement', key)),
        20_000,
      ).catch((e: Error) => Promise.reject(withLog(e)));
      return readOutcome(redis.client(), 'settlement', key);
    };

    // Orders' end of t-answered is in the log right behind its opening: before anything of the meter's.
    await openLease(
      buyer,
      {
        leaseId: 'H100-t-answered',
        providerId: 'prov-gone',
        nodeId: 'n-gone',
        start,
        ...terms['H100-t-answered'],
      },
      ordersEnd('H100-t-answered'),
    );
    await openLease(buyer, {
      leaseId: 'H100-t-pruned',
      providerId: 'prov-gone',
      nodeId: 'n-gone',
      start,
      ...terms['H100-t-pruned'],
    });
    // No LeaseBreached: the meter ends t-pruned itself, the grace (ten minutes) after the breach.
    await ended('H100-t-pruned');
    await ended('H100-t-answered');

    // Settlement's model a moment behind its log: t-answered shows running still, and the meter ends
    // it too. The account refuses that second end: it pays for no running lease t-answered.
    await redis.client().hset(rm.lease('H100-t-answered'), 'status', 'ACTIVE');
    await redis.client().zadd(rm.activeLeases, terms['H100-t-answered'].end, 'H100-t-answered');
    expect(await outcome('breach-end-H100-t-answered')).toMatchObject({
      status: 'rejected',
      code: 'NOT_FOUND',
    });
    await redis.client().hset(rm.lease('H100-t-answered'), 'status', 'CREDITED');
    await redis.client().zrem(rm.activeLeases, 'H100-t-answered');
    // Orders' LeaseBreached of t-pruned comes after all (the stalled path moved again): refused too.
    await commands(ordersEnd('H100-t-pruned'));
    expect(await outcome('orders-H100-t-pruned')).toMatchObject({ status: 'rejected', code: 'NOT_FOUND' });
    expect(await outcome('orders-H100-t-answered')).toMatchObject({ status: 'accepted' });

    // Each ended at the breach, as orders' end does: charged up to `at`, the rest back to the buyer.
    let [earned, fees, refunds] = [0, 0, 0];
    const ledger = (await redis.client().lrange(rm.ledger(buyer), 0, -1)).map(
      (e) => JSON.parse(e) as { kind: string; amount: number; escrow?: number; reference: string },
    );
    for (const [leaseId, { end }] of Object.entries(terms)) {
      const due = accruedCharge({ value: VALUE, fee: FEE, start, end }, Date.parse(at));
      const refund = VALUE + FEE - due.value - due.fee;
      expect(due.value).toBeGreaterThan(0);
      expect(refund).toBeGreaterThan(0);
      // Held = charged + released.
      expect(await lease(leaseId)).toEqual({ ...due, refunded: refund, status: 'CREDITED', endedBy: reason });
      // The same lines as an early end's, once: the lease into escrow, its charges to `at`, one credit.
      const lines = ledger.filter((e) => e.reference === leaseId);
      expect(lines.map((e) => e.kind).filter((k) => k !== 'charge')).toEqual(['lease', 'sla-credit']);
      const charged = lines.filter((e) => e.kind === 'charge').reduce((sum, e) => sum - (e.escrow ?? 0), 0);
      expect(charged).toBe(due.value + due.fee);
      expect(lines.find((e) => e.kind === 'sla-credit')).toMatchObject({ amount: refund, escrow: -refund });
      [earned, fees, refunds] = [earned + due.value, fees + due.fee, refunds + refund];
    }
    // Charged = earned + fee: every charge credited to the provider and the platform, once.
    await waitUntil(
      'every charge credited',
      async () =>
        Number(await redis.client().hget(rm.totals, 'clearing')) === 0 &&
        (await account('prov-gone')).balance === providerBefore + earned,
      20_000,
    ).catch((e: Error) => Promise.reject(withLog(e)));
    expect((await account(PLATFORM_ACCOUNT_ID)).balance - platformBefore).toBe(fees);
    expect(await account(buyer)).toMatchObject({
      balance: DEPOSIT - 2 * (VALUE + FEE) + refunds,
      held: 0,
      escrow: 0,
    });
  }, 90_000);

  it.each([
    {
      // n5 beat last 1.5 s ago and was lost since (no breach: it delivered to the end): capacity's
      // refolded model has the loss and the heartbeat it recorded.
      name: 'lost',
      n: 5,
      node: (now: number) => ({
        lostAt: new Date(now - 500).toISOString(),
        lastBeatAt: new Date(now - 1_500).toISOString(),
      }),
    },
    {
      // n6's credential was revoked 1.5 s ago: its session ended with it, and capacity recorded the
      // breach (after the lease's end: not the lease's). No loss or leave recorded a heartbeat.
      name: 'revoked',
      n: 6,
      node: (now: number) => ({
        status: 'SUSPENDED',
        suspendedReason: 'CREDENTIAL_REVOKED',
        suspendedAt: new Date(now - 1_500).toISOString(),
        credentialRevoked: '1',
      }),
    },
  ])(
    'charges a lease to its end on a node $name after it, when Redis lost the live heartbeat',
    async ({ n, node }) => {
      // The lease ended 2 s ago, its last part not charged yet. Redis was flushed: capacity's model
      // is refolded, the live heartbeat is gone, and no worker writes another.
      const now = Date.now();
      const [start, end] = [now - 5_000, now - 2_000];
      await redis.client().hset(capacityReadModel.node(`n${n}`), node(now));
      await fundedBuyer(`buyer${n}`, 'Barbara', [`b${n}`]);
      const earnedBefore = (await account(`prov${n}`)).balance;
      await openLease(`buyer${n}`, {
        leaseId: `H100-t${n}`,
        holdId: `b${n}`,
        providerId: `prov${n}`,
        nodeId: `n${n}`,
        start,
        end,
      });
      await waitUntil(
        'the lease to end',
        async () => (await redis.client().hget(rm.lease(`H100-t${n}`), 'status')) === 'ENDED',
        15_000,
      ).catch((e: Error) => Promise.reject(withLog(e)));
      expect(await redis.client().hgetall(rm.lease(`H100-t${n}`))).toMatchObject({
        chargedValue: String(VALUE),
        chargedFee: String(FEE),
        refunded: '0',
      });
      await waitUntil(
        'its credits',
        async () => (await account(`prov${n}`)).balance === earnedBefore + VALUE,
        15_000,
      ).catch((e: Error) => Promise.reject(withLog(e)));
      expect(await account(`buyer${n}`)).toMatchObject({
        balance: DEPOSIT - VALUE - FEE,
        held: 0,
        escrow: 0,
      });
    },
    60_000,
  );

  it("keeps a provider's balance exact past the largest safe integer: all of it can be withdrawn, not a micro-dollar more", async () => {
    // The most an account may be deposited, for a provider and two buyers; each buyer leases
    // 4e15 µ$ of its GPUs. The provider earns past 2^53 (earnings are never refused): its balance,
    // 17,007,199,254,740,991 µ$, read …992 as a number, and a withdrawal of what the rounding added
    // overdrew it by 1 µ$.
    const MAX = Number.MAX_SAFE_INTEGER;
    const LEASED = 4e15;
    const LEASE_FEE = 1e13;
    await command('settlement.OpenAccount', 'rich', { accountId: 'rich', owner: 'Big farm' });
    await command('settlement.Deposit', 'rich', { accountId: 'rich', amount: MAX });
    for (const buyer of ['whale-1', 'whale-2']) {
      await command('settlement.OpenAccount', buyer, { accountId: buyer, owner: buyer });
      await command('settlement.Deposit', buyer, { accountId: buyer, amount: MAX });
      await command('settlement.HoldFunds', buyer, {
        accountId: buyer,
        holdId: `${buyer}-b`,
        amount: LEASED + LEASE_FEE,
        marketId: 'H100',
      });
    }
    await waitUntil(
      'both holds',
      async () =>
        (await account('whale-1')).held + (await account('whale-2')).held === 2 * (LEASED + LEASE_FEE),
      15_000,
    ).catch((e: Error) => Promise.reject(withLog(e)));
    const start = Date.now();
    for (const buyer of ['whale-1', 'whale-2'])
      await command('settlement.OpenLease', buyer, {
        accountId: buyer,
        leaseId: `H100-${buyer}`,
        holdId: `${buyer}-b`,
        providerId: 'rich',
        marketId: 'H100',
        nodeId: `n-${buyer}`,
        gpus: 1,
        price: LEASED,
        value: LEASED,
        fee: LEASE_FEE,
        start: new Date(start).toISOString(),
        end: new Date(start + 1_000).toISOString(),
        holdReleased: 0,
      });
    const exact = async () => (await redis.client().hget(rm.account('rich'), 'balance')) ?? '';
    await waitUntil('both leases earned', async () => (await exact()) === '17007199254740991', 20_000).catch(
      (e: Error) => Promise.reject(withLog(e)),
    );
    // What the gateway reads and shows: the exact figure.
    expect((await new SettlementQueries(redis.client()).account('rich'))?.balance).toBe(
      17_007_199_254_740_991n,
    );

    // Everything, in two withdrawals; the one between them asks for 1 µ$ more than is left.
    await command('settlement.Withdraw', 'rich', { accountId: 'rich', amount: MAX });
    await command('settlement.Withdraw', 'rich', { accountId: 'rich', amount: 8e15 + 1 });
    await command('settlement.Withdraw', 'rich', { accountId: 'rich', amount: 8e15 });
    await waitUntil('the account emptied', async () => (await exact()) === '0', 15_000).catch(
      async (e: Error) => Promise.reject(withLog(new Error(`${e.message}; balance ${await exact()}`))),
    );
    const kinds = (await redis.client().lrange(rm.ledger('rich'), 0, -1)).map(
      (e) => (JSON.parse(e) as { kind: string; amount: number }).kind,
    );
    expect(kinds.filter((k) => k === 'withdrawal')).toHaveLength(2);
  }, 60_000);
});
