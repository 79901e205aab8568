// An order named by the clientOrderId it was placed with, in `order`, and the rule that `order` and
// `cancelOrder` take exactly one of it and the id. A gateway on a Redis of its own, orders' model
// seeded as its runner folds it. (Cancelling by clientOrderId, and ORDER_NOT_OPEN for an order with
// nothing left, go through the real services in e2e/src/trading.int-spec.ts.)
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import Redis from 'ioredis';
import { ordersReadModel } from '@gpux/contracts';
import { projectionKeys } from '@gpux/eventsourcing';
import { idFromKey } from '../api/idempotency';
import {
  markFolded,
  postGraphql,
  seedApiKey,
  seedMarket,
  seedOrder as seedOrderAs,
  startGateway,
} from '../gateway.fixture';

const ADMIN_KEY = 'orders-int-spec-admin-key-0123456789';
const BUYER_KEY = 'orders-int-spec-buyer-key-0123456789';
const OTHER_KEY = 'orders-int-spec-other-buyer-key-0123456789';
const PROVIDER_KEY = 'orders-int-spec-provider-key-0123456789';
const ORDER_ID = idFromKey('ord', 'acc-1', 'my-first-bid');

describe('orders named by clientOrderId', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let seed: Redis;

  const gql = (query: string, key: string, variables: Record<string, unknown> = {}) =>
    postGraphql(gateway.url, query, { key, variables });

  /** The bid acc-1 placed with clientOrderId my-first-bid, as orders' model shows it. */
  const seedOrder = (fields: Record<string, string> = {}) => seedOrderAs(seed, ORDER_ID, fields);

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    seed = new Redis(redis.url);
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  beforeEach(async () => {
    await seed.flushall();
    await markFolded(redis);
    await seedMarket(redis);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    await seedApiKey(redis, OTHER_KEY, 'acc-2', 'buyer');
    await seedApiKey(redis, PROVIDER_KEY, 'acc-3', 'provider');
    await seedOrder();
  });

  afterAll(async () => {
    await gateway?.app.close();
    await seed?.quit();
    await redis?.stop();
  });

  it('finds your order by the clientOrderId you placed it with, and no one else’s', async () => {
    const query = 'query($c: String) { order(clientOrderId: $c) { id status gpus } }';
    expect(await gql(query, BUYER_KEY, { c: 'my-first-bid' })).toEqual({
      data: { order: { id: ORDER_ID, status: 'OPEN', gpus: 2 } },
    });
    // The same clientOrderId of another account names that account's order: none here.
    expect(await gql(query, OTHER_KEY, { c: 'my-first-bid' })).toEqual({ data: { order: null } });
    expect(await gql(`{ order(id: "${ORDER_ID}") { id } }`, BUYER_KEY)).toEqual({
      data: { order: { id: ORDER_ID } },
    });
  });

  it('takes exactly one of id and clientOrderId, BAD_USER_INPUT on the argument at fault', async () => {
    const both = await gql(`{ order(id: "${ORDER_ID}", clientOrderId: "my-first-bid") { id } }`, BUYER_KEY);
    expect(both.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'clientOrderId' });
    const neither = await gql('{ order { id } }', BUYER_KEY);
    expect(neither.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    const cancelNeither = await gql('mutation { cancelOrder { id } }', BUYER_KEY);
    expect(cancelNeither.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderId' });
  });
  it("looks at the order a clientOrderId names as its key is bound: placed a window ago, ALREADY_EXISTS; none while orders' model is refolded, UNAVAILABLE; neither binds the key", async () => {
    const place = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }';
    const bid = { marketId: 'm1', side: 'BID', gpus: 1, hours: 1, price: '2.50' };
    const bound = () => seed.keys('idempotency:*');
    for (const funding of ['BALANCE', 'BUYING_POWER']) {
      // The seeded order was placed on 2025-01-01: its key is long forgotten, its id is not.
      const again = await gql(place, BUYER_KEY, { i: { ...bid, funding, clientOrderId: 'my-first-bid' } });
      expect(again.errors?.[0]?.extensions).toMatchObject({
        code: 'ALREADY_EXISTS',
        field: 'input.clientOrderId',
        orderId: ORDER_ID,
      });
      expect(again.errors?.[0]?.message).toContain('placed at 2025-01-01T00:00:00.000Z');
    }
    expect(await bound()).toEqual([]);
    // Refolded (Redis flushed): an order not found may be one not folded back yet.
    await seed.set(projectionKeys(ordersReadModel.name).rebuilding, '1');
    for (const funding of ['BALANCE', 'BUYING_POWER']) {
      const fresh = await gql(place, BUYER_KEY, { i: { ...bid, funding, clientOrderId: 'a-new-bid' } });
      expect(fresh.errors?.[0]?.extensions).toMatchObject({
        code: 'UNAVAILABLE',
        idempotencyKey: 'a-new-bid',
      });
    }
    expect(await bound()).toEqual([]);
  });

  it('refuses a bid from a key without BUYER, and an ask from one without PROVIDER, FORBIDDEN on input.side', async () => {
    const place = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }';
    const order = { marketId: 'm1', gpus: 1, hours: 1, price: '2.50' };
    const bid = await gql(place, PROVIDER_KEY, { i: { ...order, side: 'BID' } });
    expect(bid.data).toEqual({ placeOrder: null });
    expect(bid.errors?.[0]).toMatchObject({
      message:
        'a bid needs a key with the BUYER role, and this key has PROVIDER: use a BUYER key (the operator makes one: createApiKey with roles: [BUYER])',
      extensions: { code: 'FORBIDDEN', field: 'input.side' },
    });
    // Written inline, the same field.
    const ask = await gql(
      'mutation { placeOrder(input: { marketId: "m1", side: ASK, nodeId: "n1", gpus: 1, hours: 1, price: "2.50" }) { id } }',
      BUYER_KEY,
    );
    expect(ask.errors?.[0]).toMatchObject({
      message:
        'an ask needs a key with the PROVIDER role, and this key has BUYER: use a PROVIDER key (the operator makes one: createApiKey with roles: [PROVIDER])',
      extensions: { code: 'FORBIDDEN', field: 'input.side' },
    });
  });
});
