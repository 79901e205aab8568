import { HEADERS, Order, ordersMessages, topic } from '@gpux/contracts';
import { commandMessage } from '@gpux/eventsourcing/testing';
import { KafkaClients, ServiceApp, startService } from '@gpux/platform';
import { freePort, infraEnv, readTopic, ReadRecord, uniqueName } from '@gpux/testing';
import type { Producer } from 'kafkajs';
import { ordersService } from '../service';

// The market decider in the real orders service: commands through Kafka, events back, and a
// restart that rebuilds the book from a snapshot (the book is revived from JSON).
describe('a market in the orders service', () => {
  const env = infraEnv();
  const ns = uniqueName('mkt');
  const clients = new KafkaClients({ clientId: 'market-int-spec', brokers: env.KAFKA_BROKERS.split(',') });
  let producer: Producer;
  let service: ServiceApp | undefined;

  const start = async () => {
    service = await startService(
      ordersService,
      {
        ...env,
        PORT: String(await freePort()),
        TOPIC_NAMESPACE: ns,
        LOG_LEVEL: 'warn',
        SNAPSHOT_EVERY_EVENTS: '1',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
      },
      { shutdownHooks: false },
    );
  };
  // Every command of a market is keyed by the market: one writer decides them in order.
  const send = (type: string, data: { marketId: string } & Record<string, unknown>) =>
    producer.send({
      topic: topic('orders', 'commands', ns).name,
      messages: [commandMessage(ordersMessages, { type, subject: data.marketId, data })],
    });
  const isOutcome = (r: ReadRecord) => !(r.headers[HEADERS.type] ?? '').endsWith('.PartitionClaimed');
  const events = async (count: number) =>
    (
      await readTopic(
        clients.kafka,
        topic('orders', 'events', ns).name,
        (rs) => rs.filter(isOutcome).length >= count,
      )
    ).filter(isOutcome);
  const types = (rs: ReadRecord[]) => rs.map((r) => r.headers[HEADERS.type]);

  const ask: Order = {
    marketId: 'H100',
    orderId: 'a1',
    side: 'ask',
    accountId: 'prov-1',
    price: 2_000_000,
    gpus: 4,
    hours: 24,
    nodeId: 'n1',
    timeInForce: 'GTC',
  };
  const bid = (orderId: string, gpus: number, timeInForce: Order['timeInForce'] = 'GTC'): Order => ({
    marketId: 'H100',
    orderId,
    side: 'bid',
    accountId: 'buyer-1',
    price: 2_000_000,
    gpus,
    hours: 8,
    timeInForce,
  });

  beforeAll(async () => {
    producer = clients.producer({ idempotent: true });
    await producer.connect();
    await start();
  });
  afterAll(async () => {
    await service?.app.close();
    await clients.onApplicationShutdown();
  });

  it('trades a funded bid against a certified node, and keeps its book across a restart', async () => {
    await send('orders.OpenMarket', {
      marketId: 'H100',
      gpuClass: 'H100-80GB',
      minTflopsPerGpu: 300,
      tickSize: 10_000,
      feeRateBps: 250,
    });
    await send('orders.RecordNode', {
      marketId: 'H100',
      nodeId: 'n1',
      providerId: 'prov-1',
      gpus: 8,
      certifiedTflopsPerGpu: 350,
    });
    await send('orders.PlaceOrder', { ...ask });
    await send('orders.PlaceOrder', { ...bid('b1', 3) });
    expect(types(await events(4))).toEqual([
      'orders.MarketOpened',
      'orders.NodeRecorded',
      'orders.OrderAccepted',
      'orders.BidAwaitingFunds',
    ]);

    await send('orders.ConfirmBidFunds', { marketId: 'H100', orderId: 'b1' });
    const traded = await events(6);
    expect(types(traded.slice(4))).toEqual(['orders.OrderAccepted', 'orders.TradeExecuted']);
    expect(JSON.parse(traded[5]!.value)).toMatchObject({
      bidId: 'b1',
      askId: 'a1',
      gpus: 3,
      price: 2_000_000,
      hours: 8,
      holdReleased: 0,
    });

    // A new owner revives the book from its snapshot: one GPU of a1 is left to trade.
    await service!.app.close();
    await start();
    await send('orders.PlaceOrder', { ...bid('b2', 2, 'IOC') });
    await send('orders.ConfirmBidFunds', { marketId: 'H100', orderId: 'b2' });
    const after = await events(10);
    expect(types(after.slice(6))).toEqual([
      'orders.BidAwaitingFunds',
      'orders.OrderAccepted',
      'orders.TradeExecuted',
      'orders.OrderCancelled',
    ]);
    expect(JSON.parse(after[8]!.value)).toMatchObject({ bidId: 'b2', gpus: 1 });
    expect(JSON.parse(after[9]!.value)).toMatchObject({ orderId: 'b2', gpus: 1, reason: 'IOC_REMAINDER' });
  });
});
