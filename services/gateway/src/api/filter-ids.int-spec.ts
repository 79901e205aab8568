// An id in a list's filter that names nothing is refused NOT_FOUND on the filter's field, as an
// unknown id is everywhere else in the API, through the real gateway on a Redis of its own (the
// read models seeded as their projections fold them). myOrders(filter: { marketId: "nope" }) and
// nodes(filter: { marketId: "nope" }) answered an empty page: a mistyped market could not be told
// from one with no orders or no nodes in it. A market that exists answers its page, empty or not,
// closed or open.
import { capacityReadModel, ordersReadModel } from '@gpux/contracts';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import Redis from 'ioredis';
import {
  Answer,
  markFolded,
  postGraphql,
  seedApiKey,
  seedMarket,
  seedOrder,
  startGateway,
} from '../gateway.fixture';

const ADMIN_KEY = 'filter-ids-int-spec-admin-key-0123456789';
const BUYER_KEY = 'filter-ids-int-spec-buyer-key-0123456789';

const MY_ORDERS =
  'query($f: OrdersFilter) { myOrders(first: 10, filter: $f) { totalCount edges { node { id } } } }';
const NODES = 'query($f: NodesFilter) { nodes(first: 10, filter: $f) { totalCount edges { node { id } } } }';

describe('an unknown id in a filter', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let seed: Redis;

  const gql = (query: string, variables: Record<string, unknown> = {}) =>
    postGraphql(gateway.url, query, { key: BUYER_KEY, variables });

  const ids = (answer: Answer, field: string) => {
    expect(answer.errors).toBeUndefined();
    return ((answer.data as Record<string, { edges: { node: { id: string } }[] }>)[field]?.edges ?? []).map(
      (e) => e.node.id,
    );
  };

  const notFound = (answer: Answer, marketId: string) =>
    expect(answer).toEqual({
      data: null,
      errors: [
        expect.objectContaining({
          message: `market ${marketId} does not exist`,
          extensions: { code: 'NOT_FOUND', field: 'filter.marketId' },
        }),
      ],
    });

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    // Every model marked folded before it is seeded (markFolded clears one it has not marked).
    await markFolded(redis);
    // Markets m1 (acc-1's bid o1 and node n1 in it), h100 (nothing in it) and old (closed).
    await seedMarket(redis, 'm1');
    await seedMarket(redis, 'h100');
    await seedMarket(redis, 'old');
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    seed = new Redis(redis.url);
    await seed.hset(ordersReadModel.market('old'), 'status', 'CLOSED');
    await seed.zadd(ordersReadModel.markets, 1, 'm1', 2, 'h100', 3, 'old');
    await seedOrder(seed, 'o1', { accountId: 'acc-1', marketId: 'm1' });
    await seed.zadd(ordersReadModel.accountOrders('acc-1'), 1, 'o1');
    await seed.zadd(ordersReadModel.accountLiveOrders('acc-1'), 1, 'o1');
    await seed.zadd(ordersReadModel.accountMarketOrders('acc-1', 'm1'), 1, 'o1');
    await seed.zadd(ordersReadModel.accountSideOrders('acc-1', 'bid'), 1, 'o1');
    await seed.zadd(ordersReadModel.accountMarketSideOrders('acc-1', 'm1', 'bid'), 1, 'o1');
    await seed.hset(capacityReadModel.node('n1'), {
      providerId: 'prov-1',
      marketId: 'm1',
      gpuModel: 'H100-80GB',
      gpus: '8',
      region: 'eu-west',
      status: 'CERTIFIED',
      tflopsF32: '50',
      registeredAt: '2025-01-01T00:00:00.000Z',
    });
    await seed.zadd(capacityReadModel.nodes, 1, 'n1');
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  afterAll(async () => {
    seed?.disconnect();
    await gateway?.app.close();
    await redis?.stop();
  });

  it('myOrders: a market that does not exist is refused NOT_FOUND on filter.marketId, whatever else the filter holds', async () => {
    // Each index the filter can read: the market's, a side's in it, the live ones (a status), all.
    for (const rest of [{}, { side: 'BID' }, { status: 'OPEN' }, { live: true }, { live: false }])
      notFound(await gql(MY_ORDERS, { f: { marketId: 'nope', ...rest } }), 'nope');
    // Inline, as the brief's query has it.
    notFound(await gql('{ myOrders(filter: { marketId: "nope" }) { totalCount } }'), 'nope');
  });

  it('myOrders: a market that exists answers its orders, none where there are none, closed or open', async () => {
    expect(ids(await gql(MY_ORDERS, { f: { marketId: 'm1' } }), 'myOrders')).toEqual(['o1']);
    expect(ids(await gql(MY_ORDERS, { f: { marketId: 'm1', status: 'OPEN' } }), 'myOrders')).toEqual(['o1']);
    expect(ids(await gql(MY_ORDERS, { f: { marketId: 'h100' } }), 'myOrders')).toEqual([]);
    expect(ids(await gql(MY_ORDERS, { f: { marketId: 'old', side: 'BID' } }), 'myOrders')).toEqual([]);
    expect(ids(await gql(MY_ORDERS, {}), 'myOrders')).toEqual(['o1']);
  });

  it('nodes: a market that does not exist is refused NOT_FOUND on filter.marketId, whatever else the filter holds', async () => {
    for (const rest of [{}, { status: 'CERTIFIED' }, { minTflops: 10 }])
      notFound(await gql(NODES, { f: { marketId: 'nope', ...rest } }), 'nope');
    notFound(await gql('{ nodes(filter: { marketId: "nope" }) { totalCount } }'), 'nope');
  });

  it('nodes: a market that exists answers its nodes, none where there are none', async () => {
    expect(ids(await gql(NODES, { f: { marketId: 'm1' } }), 'nodes')).toEqual(['n1']);
    expect(ids(await gql(NODES, { f: { marketId: 'm1', minTflops: 10 } }), 'nodes')).toEqual(['n1']);
    expect(ids(await gql(NODES, { f: { marketId: 'h100' } }), 'nodes')).toEqual([]);
    expect(ids(await gql(NODES, { f: { marketId: 'old' } }), 'nodes')).toEqual([]);
    expect(ids(await gql(NODES, {}), 'nodes')).toEqual(['n1']);
  });
});
