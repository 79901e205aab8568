// Whole-system scenario across services, through Kafka: the built orders and settlement services
// run as processes (as `npm start` runs them); a bid is escrowed by settlement before it trades,
// a trade gives back what the bid no longer needs, and a bid its buyer cannot fund is cancelled.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  HEADERS,
  holdFor,
  MessageRegistry,
  Order,
  ordersMessages,
  settlementMessages,
  topic,
} from '@gpux/contracts';
import { SettlementQueries } from '@gpux/read-models';
import Redis from 'ioredis';
import { commandMessage } from '@gpux/eventsourcing/testing';
import { KafkaClients } from '@gpux/platform';
import {
  DedicatedRedis,
  freePort,
  infraEnv,
  readTopic,
  ReadRecord,
  uniqueName,
  waitUntil,
} from '@gpux/testing';
import type { Producer } from 'kafkajs';

const ROOT = resolve(__dirname, '../..');
const registry = new MessageRegistry().include(ordersMessages).include(settlementMessages);

describe('escrow between orders and settlement', () => {
  const env = infraEnv();
  const ns = uniqueName('e2e');
  const clients = new KafkaClients({ clientId: 'e2e-escrow', brokers: env.KAFKA_BROKERS.split(',') });
  const children: ChildProcess[] = [];
  let redis: DedicatedRedis;
  let producer: Producer;

  async function run(service: 'orders' | 'settlement') {
    const main = join(ROOT, 'dist/out-tsc/services', service, 'src/main.js');
    if (!existsSync(main))
      throw new Error(`${main} is missing: build first (npx nx run-many -t build, or npm test)`);
    const port = await freePort();
    const child = spawn('node', ['infra/runtime/run.js', `services/${service}`], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        KAFKA_BROKERS: env.KAFKA_BROKERS,
        REDIS_URL: redis.url,
        PORT: String(port),
        TOPIC_NAMESPACE: ns,
        LOG_LEVEL: 'warn',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    await waitUntil(
      `${service} to answer /health`,
      async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok,
      60_000,
    );
  }

  const send = (
    service: 'orders' | 'settlement',
    type: string,
    subject: string,
    data: Record<string, unknown>,
  ) =>
    producer.send({
      topic: topic(service, 'commands', ns).name,
      messages: [commandMessage(registry, { type, subject, data })],
    });
  const events = (service: 'orders' | 'settlement', done: (types: string[]) => boolean) =>
    readTopic(clients.kafka, topic(service, 'events', ns).name, (rs) => done(rs.map(typeOf)), {
      timeoutMs: 60_000,
    });
  const typeOf = (r: ReadRecord) => r.headers[HEADERS.type] ?? '';
  const data = (rs: ReadRecord[], type: string) =>
    rs.filter((r) => typeOf(r) === type).map((r) => JSON.parse(r.value) as Record<string, unknown>);

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    producer = clients.producer({ idempotent: true });
    await producer.connect();
    await run('settlement');
    await run('orders');
  }, 120_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
    );
    await redis?.stop();
    await clients.onApplicationShutdown();
  });

  it("holds a bid's worst case, trades it, releases the difference; and cancels a bid its buyer cannot fund", async () => {
    await send('settlement', 'settlement.OpenAccount', 'rich', { accountId: 'rich', owner: 'Rich buyer' });
    await send('settlement', 'settlement.Deposit', 'rich', { accountId: 'rich', amount: 1_000_000_000 });
    await send('settlement', 'settlement.OpenAccount', 'poor', { accountId: 'poor', owner: 'Poor buyer' });
    await send('settlement', 'settlement.Deposit', 'poor', { accountId: 'poor', amount: 1_000 });
    await send('orders', 'orders.OpenMarket', 'H100', {
      marketId: 'H100',
      gpuClass: 'H100-80GB',
      minTflopsPerGpu: 300,
      tickSize: 10_000,
      feeRateBps: 250,
    });
    await send('orders', 'orders.RecordNode', 'H100', {
      marketId: 'H100',
      nodeId: 'n1',
      providerId: 'prov',
      gpus: 8,
      certifiedTflopsPerGpu: 350,
    });
    await send('orders', 'orders.PlaceOrder', 'H100', {
      marketId: 'H100',
      orderId: 'a1',
      side: 'ask',
      accountId: 'prov',
      price: 2_000_000,
      gpus: 4,
      hours: 24,
      nodeId: 'n1',
      timeInForce: 'GTC',
    });
    await send('orders', 'orders.PlaceOrder', 'H100', {
      marketId: 'H100',
      orderId: 'b1',
      side: 'bid',
      accountId: 'rich',
      price: 2_100_000,
      gpus: 2,
      hours: 10,
      timeInForce: 'GTC',
    });
    await send('orders', 'orders.PlaceOrder', 'H100', {
      marketId: 'H100',
      orderId: 'b2',
      side: 'bid',
      accountId: 'poor',
      price: 2_100_000,
      gpus: 1,
      hours: 1,
      timeInForce: 'GTC',
    });

    const orders = await events(
      'orders',
      (t) => t.includes('orders.TradeExecuted') && t.includes('orders.OrderCancelled'),
    );
    const [trade] = data(orders, 'orders.TradeExecuted');
    expect(trade).toMatchObject({
      bidId: 'b1',
      askId: 'a1',
      buyerId: 'rich',
      gpus: 2,
      hours: 10,
      price: 2_000_000,
    });
    expect(data(orders, 'orders.OrderCancelled')).toEqual([
      expect.objectContaining({ orderId: 'b2', reason: 'FUNDS_REJECTED' }),
    ]);

    // The worst case at 2.10/h plus fee was held; the trade at 2.00/h gives back the difference.
    const perGpuHour = (price: number) => price + Math.ceil((price * 250) / 10_000);
    // Rich and poor are different accounts, maybe on different partitions: wait for both answers.
    const settlement = await events(
      'settlement',
      (t) => t.includes('settlement.HoldReleased') && t.includes('settlement.CommandRejected'),
    );
    expect(data(settlement, 'settlement.FundsHeld')).toEqual([
      { accountId: 'rich', holdId: 'b1', amount: 2 * 10 * perGpuHour(2_100_000), marketId: 'H100' },
    ]);
    expect(data(settlement, 'settlement.HoldReleased')).toEqual([
      { accountId: 'rich', holdId: 'b1', amount: 2 * 10 * (perGpuHour(2_100_000) - perGpuHour(2_000_000)) },
    ]);
    expect(trade?.['holdReleased']).toBe(2 * 10 * (perGpuHour(2_100_000) - perGpuHour(2_000_000)));
    expect(data(settlement, 'settlement.CommandRejected')).toEqual([
      expect.objectContaining({
        commandType: 'settlement.HoldFunds',
        code: 'INSUFFICIENT_FUNDS',
        command: expect.objectContaining({ holdId: 'b2' }),
      }),
    ]);
  }, 120_000);

  it('places a bid its hold carries; a bid the market refuses, or no longer needs, gets its hold back to the minor unit', async () => {
    const deposit = 1_000_000_000;
    await send('settlement', 'settlement.OpenAccount', 'funded', {
      accountId: 'funded',
      owner: 'Funded buyer',
    });
    await send('settlement', 'settlement.Deposit', 'funded', { accountId: 'funded', amount: deposit });
    await send('orders', 'orders.OpenMarket', 'A100', {
      marketId: 'A100',
      gpuClass: 'A100-80GB',
      minTflopsPerGpu: 100,
      tickSize: 10_000,
      feeRateBps: 250,
    });
    const bid = (orderId: string, price: number): Order => ({
      marketId: 'A100',
      orderId,
      side: 'bid',
      accountId: 'funded',
      price,
      gpus: 2,
      hours: 10,
      timeInForce: 'GTC',
    });
    // What the gateway sends for a bid: the hold, carrying the bid.
    const hold = (order: Order, amount = holdFor(order, 250)) =>
      send('settlement', 'settlement.HoldFunds', 'funded', {
        accountId: 'funded',
        holdId: order.orderId,
        amount,
        marketId: 'A100',
        order,
      });
    const offTick = bid('fb1', 1_000_001);
    const resting = bid('fb2', 1_000_000);
    const late = bid('fb3', 1_000_000);
    // Off the tick: held, then refused by the market, and the hold given back in its transaction.
    await hold(offTick);
    // Held with 7 more than the market's fee asks: the surplus is released as it enters the book.
    await hold(resting, holdFor(resting, 250) + 7);
    // Its id again, while it rests: settlement refuses a second hold, and no bid is placed.
    await hold(resting);
    // Close the market once fb2 rests (so that closing it cancels fb2, and refuses the next bid).
    await readTopic(
      clients.kafka,
      topic('orders', 'events', ns).name,
      (rs) => rs.some((r) => typeOf(r) === 'orders.OrderAccepted' && r.value.includes('"fb2"')),
      { timeoutMs: 60_000 },
    );
    await send('orders', 'orders.CloseMarket', 'A100', { marketId: 'A100' });
    // On the closed market: held, refused (MARKET_CLOSED), released.
    await hold(late);

    const ofA100 = (rs: ReadRecord[]) =>
      rs.filter((r) => {
        const d = JSON.parse(r.value) as { order?: { marketId?: string }; marketId?: string };
        return (d.order?.marketId ?? d.marketId) === 'A100';
      });
    const orders = ofA100(
      await events(
        'orders',
        (t) =>
          t.filter((x) => x === 'orders.FundedBidRefused').length >= 2 && t.includes('orders.MarketClosed'),
      ),
    );
    expect(orders.map(typeOf)).toEqual([
      'orders.MarketOpened',
      'orders.FundedBidRefused',
      'orders.OrderAccepted',
      'orders.MarketClosed',
      'orders.OrderCancelled',
      'orders.FundedBidRefused',
    ]);
    const [refusedOffTick, refusedClosed] = data(orders, 'orders.FundedBidRefused');
    expect(refusedOffTick).toEqual({
      order: offTick,
      heldAmount: holdFor(offTick, 250),
      code: 'BAD_USER_INPUT',
      message:
        "price 1.000001 is not a multiple of the market's tick size, 0.010000: use 1.000000 or 1.010000",
      field: 'price',
    });
    expect(refusedClosed).toEqual({
      order: late,
      heldAmount: holdFor(late, 250),
      code: 'MARKET_CLOSED',
      message:
        'market A100 is closed and never reopens, so it takes no orders: list the markets with the markets query (each says its status) and pick an OPEN one',
      field: 'marketId',
    });
    expect(data(orders, 'orders.OrderAccepted')).toEqual([
      { order: resting, heldAmount: holdFor(resting, 250) + 7, holdReleased: 7 },
    ]);
    expect(data(orders, 'orders.OrderCancelled')).toEqual([
      expect.objectContaining({
        orderId: 'fb2',
        reason: 'MARKET_CLOSED',
        holdReleased: holdFor(resting, 250),
      }),
    ]);

    // Settlement: each hold, and every minor unit of it given back; the second hold of fb2 refused.
    const releasedOfFunded = (rs: ReadRecord[]) =>
      rs.filter((r) => typeOf(r) === 'settlement.HoldReleased' && r.value.includes('"accountId":"funded"'));
    const settlement = await readTopic(
      clients.kafka,
      topic('settlement', 'events', ns).name,
      (rs) => releasedOfFunded(rs).length >= 4,
      { timeoutMs: 60_000 },
    );
    const ofHold = (holdId: string) =>
      settlement
        .filter((r) => {
          const d = JSON.parse(r.value) as { accountId?: string; holdId?: string };
          return d.accountId === 'funded' && d.holdId === holdId;
        })
        .map((r) => ({ type: typeOf(r), amount: (JSON.parse(r.value) as { amount: number }).amount }));
    expect(ofHold('fb1')).toEqual([
      { type: 'settlement.FundsHeld', amount: holdFor(offTick, 250) },
      { type: 'settlement.HoldReleased', amount: holdFor(offTick, 250) },
    ]);
    expect(ofHold('fb2')).toEqual([
      { type: 'settlement.FundsHeld', amount: holdFor(resting, 250) + 7 },
      { type: 'settlement.HoldReleased', amount: 7 },
      { type: 'settlement.HoldReleased', amount: holdFor(resting, 250) },
    ]);
    expect(ofHold('fb3')).toEqual([
      { type: 'settlement.FundsHeld', amount: holdFor(late, 250) },
      { type: 'settlement.HoldReleased', amount: holdFor(late, 250) },
    ]);
    const rejected = data(settlement, 'settlement.CommandRejected').filter(
      (r) => (r['command'] as { accountId?: string } | undefined)?.accountId === 'funded',
    );
    expect(rejected).toEqual([
      expect.objectContaining({
        commandType: 'settlement.HoldFunds',
        code: 'ALREADY_EXISTS',
        field: 'holdId',
      }),
    ]);

    // The buyer's balance, as the API reads it, is back to exactly what was deposited.
    const reader = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      const accounts = new SettlementQueries(reader);
      const expected = { balance: deposit, held: 0, escrow: 0 };
      await waitUntil(
        "the buyer's account to show every hold released",
        async () => {
          const a = await accounts.account('funded');
          return a?.balance === expected.balance && a.held === 0;
        },
        30_000,
      );
      expect(await accounts.account('funded')).toMatchObject(expected);
    } finally {
      reader.disconnect();
    }
  }, 120_000);
});
