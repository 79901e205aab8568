// Whole-system scenario across services, through Kafka: the built orders and settlement services
// run as processes (as `npm start` runs them); a bid is escrowed by settlement before it trades,
// a trade gives back what the bid no longer needs, and a bid its buyer cannot fund is cancelled.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HEADERS, MessageRegistry, ordersMessages, settlementMessages, topic } from '@gpux/contracts';
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
});
