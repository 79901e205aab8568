// What a bot knows of its own order's executions through the real gateway: the order's filledValue
// and averagePrice, and its fills alone (myFills(orderId:)). A gateway on a Redis of its own,
// orders' model seeded as its projection folds it (orders.projection.spec.ts checks the fold):
// acc-1's GTC bid at 1.20 for 4 GPUs × 10 hours, filled 1 GPU by a resting ask at 1.00, then 2 GPUs
// by an ask that crossed it at its own 1.20; and whether each fill's order made or took liquidity.
import { ordersReadModel as rm } from '@gpux/contracts';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import Redis from 'ioredis';
import { markFolded, postGraphql, seedApiKey, seedMarket, seedOrder, startGateway } from '../gateway.fixture';

const ADMIN_KEY = 'executions-int-spec-admin-key-0123456789';
const BUYER_KEY = 'executions-int-spec-buyer-key-0123456789';
const OTHER_KEY = 'executions-int-spec-other-key-0123456789';
const THIRD_KEY = 'executions-int-spec-third-key-0123456789';
const PROVIDER_KEY = 'executions-int-spec-provider-key-0123456789';
const T = (minute: number) => Date.parse('2026-06-01T12:00:00.000Z') + minute * 60_000;

describe("an order's executions: what it traded for, at what average price, and its fills", () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let seed: Redis;

  const gql = (query: string, key = BUYER_KEY) => postGraphql(gateway.url, query, { key });

  /**
   * Trade `tradeId` of bid `bidId` (`buyer`'s, acc-1 unless said) with an ask of acc-9 at the limits
   * [bid, ask], as the projection writes it: with the side that took where `takerSide` says one (a
   * TradeExecuted v2), without one as a trade recorded before it was carried (v1).
   */
  const trade = async (
    tradeId: string,
    bidId: string,
    minute: number,
    gpus: number,
    price: number,
    [bidPrice, askPrice]: [number, number],
    { takerSide, buyer = 'acc-1' }: { takerSide?: 'bid' | 'ask'; buyer?: string } = {},
  ) => {
    const time = new Date(T(minute)).toISOString();
    await seed.hset(rm.trade(tradeId), {
      ...(takerSide ? { takerSide } : {}),
      marketId: 'm1',
      tradeId,
      bidId,
      askId: `ask-${tradeId}`,
      buyerId: buyer,
      providerId: 'acc-9',
      nodeId: 'n1',
      price: String(price),
      bidPrice: String(bidPrice),
      askPrice: String(askPrice),
      gpus: String(gpus),
      hours: '10',
      start: time,
      end: new Date(T(minute) + 10 * 3_600_000).toISOString(),
      value: String(gpus * 10 * price),
      fee: '0',
      holdReleased: '0',
      time,
    });
    await seed.zadd(rm.accountFills(buyer), T(minute), tradeId);
    await seed.zadd(rm.accountFills('acc-9'), T(minute), tradeId);
    await seed.zadd(rm.orderFills(bidId), T(minute), tradeId);
  };

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    seed = new Redis(redis.url);
    await markFolded(redis);
    await seedMarket(redis);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    await seedApiKey(redis, OTHER_KEY, 'acc-2', 'buyer');
    const bid = { price: '1200000', gpus: '4', hours: '10' };
    await seedOrder(seed, 'ord-b1', { ...bid, filled: '3', filledValue: '34000000', filledGpuHours: '30' });
    await trade('t1', 'ord-b1', 1, 1, 1_000_000, [1_200_000, 1_000_000]);
    await trade('t2', 'ord-b1', 2, 2, 1_200_000, [1_200_000, 1_100_000]);
    // Another of acc-1's orders, with a fill of its own; and one that has not traded.
    await seedOrder(seed, 'ord-b2', {
      ...bid,
      price: '1300000',
      filled: '1',
      filledValue: '13000000',
      filledGpuHours: '10',
    });
    await trade('t3', 'ord-b2', 3, 1, 1_300_000, [1_300_000, 1_300_000]);
    await seedOrder(seed, 'ord-b3', { ...bid, filledValue: '0', filledGpuHours: '0' });
    // acc-3's bid at 1.30, filled by two trades with both limits at 1.30, each recording its taker:
    // in t4 acc-3's bid came to a resting ask, in t5 an ask came to acc-3's bid resting.
    await seedApiKey(redis, THIRD_KEY, 'acc-3', 'buyer');
    await seedApiKey(redis, PROVIDER_KEY, 'acc-9', 'provider');
    await seedOrder(seed, 'ord-b4', {
      ...bid,
      accountId: 'acc-3',
      price: '1300000',
      filled: '2',
      filledValue: '26000000',
      filledGpuHours: '20',
    });
    const both = [1_300_000, 1_300_000] as [number, number];
    await trade('t4', 'ord-b4', 4, 1, 1_300_000, both, { takerSide: 'bid', buyer: 'acc-3' });
    await trade('t5', 'ord-b4', 5, 1, 1_300_000, both, { takerSide: 'ask', buyer: 'acc-3' });
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  afterAll(async () => {
    await gateway?.app.close();
    await seed?.quit();
    await redis?.stop();
  });

  it('says what an order traded for and its average price per GPU-hour; null before any fill', async () => {
    const answer = await gql(`{
      b1: order(id: "ord-b1") { price filledGpus filledValue averagePrice }
      b3: order(id: "ord-b3") { filledValue averagePrice }
    }`);
    expect(answer).toEqual({
      data: {
        // 1 × 10 × 1.00 + 2 × 10 × 1.20 = 34.00 over 30 GPU-hours: 1.133333… rounds to 1.133333.
        b1: { price: '1.200000', filledGpus: 3, filledValue: '34.000000', averagePrice: '1.133333' },
        b3: { filledValue: '0.000000', averagePrice: null },
      },
    });
  });

  it("lists an order's fills alone, newest first, and pages them by a cursor of that list", async () => {
    const fills = '{ totalCount edges { cursor node { tradeId orderId price value } } }';
    const first = await gql(`{ myFills(orderId: "ord-b1", first: 1) ${fills} }`);
    expect(first.errors).toBeUndefined();
    const page = first.data!['myFills'] as { totalCount: number; edges: { cursor: string; node: object }[] };
    expect(page.totalCount).toBe(2);
    expect(page.edges.map((e) => e.node)).toEqual([
      { tradeId: 't2', orderId: 'ord-b1', price: '1.200000', value: '24.000000' },
    ]);
    const next = await gql(`{ myFills(orderId: "ord-b1", after: "${page.edges[0]!.cursor}") ${fills} }`);
    expect((next.data!['myFills'] as typeof page).edges.map((e) => e.node)).toEqual([
      { tradeId: 't1', orderId: 'ord-b1', price: '1.000000', value: '10.000000' },
    ]);
    // The account's fills are all three; a cursor of one list is refused by the other.
    const all = await gql('{ myFills { totalCount edges { node { tradeId } } } }');
    expect(all.data).toEqual({
      myFills: {
        totalCount: 3,
        edges: [{ node: { tradeId: 't3' } }, { node: { tradeId: 't2' } }, { node: { tradeId: 't1' } }],
      },
    });
    const crossed = await gql(`{ myFills(after: "${page.edges[0]!.cursor}") { totalCount } }`);
    expect(crossed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('says whether your order rested (MAKER) or came to the resting one (TAKER) by its limits in a trade from before its taker was recorded, null where they cannot tell', async () => {
    const answer = await gql('{ myFills { edges { node { tradeId side liquidity } } } }');
    expect(answer.data).toEqual({
      myFills: {
        edges: [
          // Both limits 1.30, and no taker recorded (a v1 trade): nothing tells which rested.
          { node: { tradeId: 't3', side: 'BID', liquidity: null } },
          // The ask at 1.10 came to the bid resting at 1.20.
          { node: { tradeId: 't2', side: 'BID', liquidity: 'MAKER' } },
          // The bid at 1.20 came to the ask resting at 1.00.
          { node: { tradeId: 't1', side: 'BID', liquidity: 'TAKER' } },
        ],
      },
    });
  });

  it('says MAKER or TAKER where both limits are the price, on each side, from the side the trade records as taking', async () => {
    const query = '{ myFills(orderId: "ord-b4") { edges { node { tradeId side liquidity } } } }';
    expect((await gql(query, THIRD_KEY)).data).toEqual({
      myFills: {
        edges: [
          // An ask came to acc-3's bid resting at 1.30.
          { node: { tradeId: 't5', side: 'BID', liquidity: 'MAKER' } },
          // acc-3's bid came to an ask resting at 1.30.
          { node: { tradeId: 't4', side: 'BID', liquidity: 'TAKER' } },
        ],
      },
    });
    // The provider's side of the same trades, and of the trade that recorded no taker (t3).
    const provider = await gql('{ myFills { edges { node { tradeId side liquidity } } } }', PROVIDER_KEY);
    expect(provider.data).toEqual({
      myFills: {
        edges: [
          { node: { tradeId: 't5', side: 'ASK', liquidity: 'TAKER' } },
          { node: { tradeId: 't4', side: 'ASK', liquidity: 'MAKER' } },
          { node: { tradeId: 't3', side: 'ASK', liquidity: null } },
          { node: { tradeId: 't2', side: 'ASK', liquidity: 'TAKER' } },
          { node: { tradeId: 't1', side: 'ASK', liquidity: 'MAKER' } },
        ],
      },
    });
  });

  it("refuses another account's order FORBIDDEN and one that does not exist NOT_FOUND, on orderId", async () => {
    const other = await gql('{ myFills(orderId: "ord-b1") { totalCount } }', OTHER_KEY);
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'orderId' });
    const none = await gql('{ myFills(orderId: "ord-none") { totalCount } }');
    expect(none.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'orderId' });
  });
});
