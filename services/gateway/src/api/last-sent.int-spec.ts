// Every subscription, through the real gateway over graphql-ws, on a Redis of its own: a notice
// whose re-read view gives what the subscription sent last for that entity (an order, a node, a
// market's book or ticker, a trade), in the fields its client selected, sends nothing. Before, a bid that traded at once sent FILLED
// twice (two events, two notices, both read after both were applied), and a node that left sent
// SUSPENDED NODE_LEFT twice. The notices are published as the projections publish them; each
// client's messages come in channel order, so the last one expected coming proves that no
// repeat came before it.
import { capacityReadModel, ordersReadModel, pricingReadModel } from '@gpux/contracts';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis, waitUntil } from '@gpux/testing';
import { Client, createClient } from 'graphql-ws';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { RedisPubSub } from './pubsub';
import { seedApiKey, seedMarket, seedOrder, startGateway } from '../gateway.fixture';

const ADMIN_KEY = 'last-sent-int-spec-admin-key-0123456789';
const BUYER_KEY = 'last-sent-int-spec-buyer-key-0123456789';

describe('subscriptions never send the same state of an entity twice in a row', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let pubsub: RedisPubSub;
  let seed: Redis;
  const clients: Client[] = [];

  /** A subscription's messages (its root field's data) as they come. */
  const watch = async (query: string, channel: string, listening = 1) => {
    const client = createClient({
      url: gateway.url.replace(/^http/, 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${BUYER_KEY}` },
    });
    clients.push(client);
    const messages: unknown[] = [];
    const errors: unknown[] = [];
    client.subscribe<Record<string, unknown>>(
      { query },
      {
        next: (v) => {
          if (v.errors) errors.push(v.errors);
          messages.push(Object.values(v.data ?? {})[0]);
        },
        error: (e) => errors.push(e),
        complete: () => undefined,
      },
    );
    await waitUntil(`${channel} listened to`, () => pubsub.listening(channel) === listening);
    return {
      messages,
      errors,
      /** Until `n` messages came. */
      until: (n: number) => waitUntil(`${n} messages on ${channel}`, () => messages.length >= n),
    };
  };

  const order = (id: string, fields: Record<string, string>) => seedOrder(seed, id, fields);

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await seedMarket(redis);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    seed = new Redis(redis.url);
    gateway = await startGateway(redis, ADMIN_KEY);
    pubsub = gateway.app.get(RedisPubSub);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    seed?.disconnect();
    await gateway?.app.close();
    await redis?.stop();
  });

  it('myOrderUpdated: a bid that trades at once sends FILLED once; each order has its own last state; a change it did not select sends nothing', async () => {
    const channel = ordersReadModel.accountOrdersChannel('acc-1');
    const notice = (orderId: string) => seed.publish(channel, JSON.stringify({ orderId }));
    const mine = await watch('subscription { myOrderUpdated { id status } }', channel);
    // Each change one version up, as the orders projection records it.
    await order('ord-1', { version: '1' });
    await notice('ord-1');
    await mine.until(1);
    // Filled at once: two events applied, then their two notices read, both after both.
    await order('ord-1', { filled: '2', updatedAt: '2025-01-01T00:00:01.000Z', version: '3' });
    await notice('ord-1');
    await notice('ord-1');
    // Another order in between: ord-1's last state sent is still FILLED.
    await order('ord-2', { version: '1' });
    await notice('ord-2');
    await notice('ord-1');
    await order('ord-2', { cancelled: '2', updatedAt: '2025-01-01T00:00:02.000Z', version: '2' });
    await notice('ord-2');
    await notice('ord-2');
    await mine.until(4);
    await notice('ord-2');
    // What the order's view holds changed (updatedAt), not what this client selects: nothing is sent.
    await order('ord-1', { filled: '2', updatedAt: '2025-01-01T00:00:03.000Z', version: '4' });
    await notice('ord-1');
    await order('ord-3', { version: '1' });
    await notice('ord-3');
    await mine.until(5);
    expect(mine.messages).toEqual([
      { id: 'ord-1', status: 'OPEN' },
      { id: 'ord-1', status: 'FILLED' },
      { id: 'ord-2', status: 'OPEN' },
      { id: 'ord-2', status: 'CANCELLED' },
      { id: 'ord-3', status: 'OPEN' },
    ]);
    expect(mine.errors).toEqual([]);
  });

  it('nodeStatusChanged: a node that left sends SUSPENDED NODE_LEFT once, and nothing when only what it did not select changed', async () => {
    const node = capacityReadModel.node('n1');
    await seed.hset(node, {
      providerId: 'prov-1',
      marketId: 'm1',
      gpuModel: 'H100-80GB',
      gpus: '8',
      region: 'eu-west',
      status: 'CERTIFIED',
      registeredAt: '2025-01-01T00:00:00.000Z',
    });
    const channel = capacityReadModel.nodeChannel('n1');
    const notice = () => seed.publish(channel, JSON.stringify({ nodeId: 'n1' }));
    const watched = await watch(
      'subscription { nodeStatusChanged(nodeId: "n1") { status suspendedReason } }',
      channel,
    );
    // The node as it stands first (the subscription's first view).
    await watched.until(1);
    await seed.hset(node, { status: 'SUSPENDED', suspendedReason: 'NODE_LEFT' });
    await notice();
    await notice();
    // A field it did not select changed (a newcomer's CERTIFIED came three times in a row so).
    await seed.hset(node, { region: 'us-east' });
    await notice();
    await seed.hset(node, { status: 'CERTIFIED' });
    await seed.hdel(node, 'suspendedReason');
    await notice();
    await notice();
    await watched.until(3);
    await seed.hset(node, { status: 'SUSPENDED', suspendedReason: 'NODE_LEFT' });
    await notice();
    await watched.until(4);
    expect(watched.messages).toEqual([
      { status: 'CERTIFIED', suspendedReason: null },
      { status: 'SUSPENDED', suspendedReason: 'NODE_LEFT' },
      { status: 'CERTIFIED', suspendedReason: null },
      { status: 'SUSPENDED', suspendedReason: 'NODE_LEFT' },
    ]);
  });

  it('bookUpdated: an unchanged book is not sent again, per subscription (one started later gets its own first)', async () => {
    const channel = pricingReadModel.channels.book('m1');
    const notice = () => seed.publish(channel, JSON.stringify({ marketId: 'm1' }));
    const level = async (price: number, gpus: number) => {
      await seed.zadd(pricingReadModel.bookPrices('m1', 'bid'), price, String(price));
      await seed.hset(pricingReadModel.bookLevels('m1', 'bid'), String(price), String(gpus));
    };
    const query = 'subscription { bookUpdated(marketId: "m1") { bids { price gpus } } }';
    const first = await watch(query, channel);
    await notice();
    await notice();
    await level(2_500_000, 3);
    await notice();
    await notice();
    await first.until(2);
    const later = await watch(query, channel, 2);
    await notice();
    await later.until(1);
    await level(2_500_000, 5);
    await notice();
    await Promise.all([first.until(3), later.until(2)]);
    const bids = (gpus?: number) => ({ bids: gpus === undefined ? [] : [{ price: '2.500000', gpus }] });
    expect(first.messages).toEqual([bids(), bids(3), bids(5)]);
    expect(later.messages).toEqual([bids(3), bids(5)]);
  });

  it('tickerUpdated: an unchanged ticker is not sent again', async () => {
    const channel = pricingReadModel.channels.ticker('m1');
    const notice = () => seed.publish(channel, JSON.stringify({ marketId: 'm1' }));
    const watched = await watch('subscription { tickerUpdated(marketId: "m1") { last } }', channel);
    await notice();
    await notice();
    await seed.hset(pricingReadModel.ticker('m1'), { last: '2600000', lastTradeId: 't-1' });
    await notice();
    await notice();
    await watched.until(2);
    await seed.hset(pricingReadModel.ticker('m1'), { last: '2700000', lastTradeId: 't-2' });
    await notice();
    await watched.until(3);
    expect(watched.messages).toEqual([{ last: null }, { last: '2.600000' }, { last: '2.700000' }]);
  });

  it('tradeExecuted: the same trade published again is not sent again', async () => {
    const channel = pricingReadModel.channels.trades('m1');
    const trade = (tradeId: string) =>
      seed.publish(
        channel,
        JSON.stringify({
          marketId: 'm1',
          tradeId,
          price: 2_500_000,
          gpus: 2,
          hours: 1,
          value: 5_000_000,
          time: '2025-01-01T00:00:00.000Z',
        }),
      );
    const watched = await watch('subscription { tradeExecuted(marketId: "m1") { id gpus } }', channel);
    await trade('m1-t1');
    await trade('m1-t1');
    await trade('m1-t2');
    await trade('m1-t1');
    await watched.until(2);
    await trade('m1-t3');
    await watched.until(3);
    expect(watched.messages).toEqual([
      { id: 'm1-t1', gpus: 2 },
      { id: 'm1-t2', gpus: 2 },
      { id: 'm1-t3', gpus: 2 },
    ]);
  });
});
