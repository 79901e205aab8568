// A cursor is only for the list that gave it out, through the real gateway on a Redis of its own
// (the read models seeded as their projections fold them): another list's cursor is refused
// BAD_USER_INPUT on after, saying so, where it was read as this list's (a markets cursor in
// myOrders answered edges [] with hasPreviousPage true; myFills(after: "aTox") answered a page).
// Cursors given out before cursors named their list are read by a list whose shape they fit.
import { ordersReadModel, settlementReadModel } from '@gpux/contracts';
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

const ADMIN_KEY = 'cursors-int-spec-admin-key-0123456789';
const BUYER_KEY = 'cursors-int-spec-buyer-key-0123456789';
const OTHER_KEY = 'cursors-int-spec-other-key-0123456789';
const THIRD_KEY = 'cursors-int-spec-third-key-0123456789';

interface Connection {
  edges: { cursor: string; node: Record<string, unknown> }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
}

const b64 = (text: string) => Buffer.from(text).toString('base64url');

describe('cursors through the gateway: each list reads its own', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let seed: Redis;

  const gql = (query: string, variables: Record<string, unknown>, key = BUYER_KEY) =>
    postGraphql(gateway.url, query, { key, variables });

  const MARKETS =
    'query($after: String) { markets(first: 1, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }';
  const MY_ORDERS =
    'query($after: String, $f: OrdersFilter) { myOrders(first: 2, after: $after, filter: $f) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }';
  const MY_FILLS =
    'query($after: String) { myFills(first: 2, after: $after) { edges { cursor } pageInfo { hasNextPage hasPreviousPage endCursor } } }';
  const LEDGER =
    'query($after: String) { me { ledger(first: 2, after: $after) { edges { cursor node { eventId } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }';

  const page = (answer: Answer, ...path: string[]): Connection => {
    expect(answer.errors).toBeUndefined();
    let at: unknown = answer.data;
    for (const step of path) at = (at as Record<string, unknown>)[step];
    return at as Connection;
  };
  const ids = (c: Connection, key = 'id') => c.edges.map((e) => e.node[key]);

  const anotherList = (answer: Answer, which: string) =>
    expect(answer.errors).toEqual([
      expect.objectContaining({
        message: `after was given out by another list${which}, not by this one: pass the endCursor of a page of this list`,
        extensions: { code: 'BAD_USER_INPUT', field: 'after' },
      }),
    ]);

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await seedMarket(redis);
    await markFolded(redis);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    await seedApiKey(redis, OTHER_KEY, 'acc-2', 'buyer');
    await seedApiKey(redis, THIRD_KEY, 'acc-3', 'buyer');
    seed = new Redis(redis.url);
    // Markets h100 and m1 (seeded whole), in the order they opened.
    await seedMarket(redis, 'h100');
    await seed.zadd(ordersReadModel.markets, 1, 'h100', 2, 'm1');
    // acc-1's and acc-2's bids o1…o3 (OPEN: live), oldest first.
    for (const [accountId, prefix] of [
      ['acc-1', 'o'],
      ['acc-2', 'x'],
    ] as const)
      for (const i of [1, 2, 3]) {
        const orderId = `${prefix}${i}`;
        await seedOrder(seed, orderId, { accountId });
        await seed.zadd(ordersReadModel.accountOrders(accountId), i, orderId);
        await seed.zadd(ordersReadModel.accountLiveOrders(accountId), i, orderId);
      }
    // acc-3's bids y1…y3 in market m1 and y4, y5 in h100, each in its market's index too.
    for (const i of [1, 2, 3, 4, 5]) {
      const orderId = `y${i}`;
      const marketId = i <= 3 ? 'm1' : 'h100';
      await seedOrder(seed, orderId, { accountId: 'acc-3', marketId });
      await seed.zadd(ordersReadModel.accountOrders('acc-3'), i, orderId);
      await seed.zadd(ordersReadModel.accountMarketOrders('acc-3', marketId), i, orderId);
    }
    // acc-1's account and its ledger (e1…e3, oldest first).
    await seed.hset(settlementReadModel.account('acc-1'), { owner: 'acme', balance: '1000000' });
    for (const i of [1, 2, 3])
      await seed.rpush(
        settlementReadModel.ledger('acc-1'),
        JSON.stringify({
          eventId: `e${i}`,
          kind: 'DEPOSIT',
          amount: 1_000_000,
          time: '2025-01-01T00:00:00.000Z',
        }),
      );
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  afterAll(async () => {
    seed?.disconnect();
    await gateway?.app.close();
    await redis?.stop();
  });

  it('pages each list with its own cursors', async () => {
    const markets = page(await gql(MARKETS, {}), 'markets');
    expect(ids(page(await gql(MARKETS, { after: markets.pageInfo.endCursor }), 'markets'))).toEqual(['m1']);
    const orders = page(await gql(MY_ORDERS, {}), 'myOrders');
    expect(ids(orders)).toEqual(['o3', 'o2']);
    expect(ids(page(await gql(MY_ORDERS, { after: orders.pageInfo.endCursor }), 'myOrders'))).toEqual(['o1']);
    const open = page(await gql(MY_ORDERS, { f: { status: 'OPEN' } }), 'myOrders');
    expect(
      ids(page(await gql(MY_ORDERS, { after: open.pageInfo.endCursor, f: { status: 'OPEN' } }), 'myOrders')),
    ).toEqual(['o1']);
    const ledger = page(await gql(LEDGER, {}), 'me', 'ledger');
    expect(ids(ledger, 'eventId')).toEqual(['e3', 'e2']);
    expect(
      ids(page(await gql(LEDGER, { after: ledger.pageInfo.endCursor }), 'me', 'ledger'), 'eventId'),
    ).toEqual(['e1']);
  });

  it("refuses another list's cursor BAD_USER_INPUT on after, naming the list that gave it out", async () => {
    const markets = page(await gql(MARKETS, {}), 'markets').pageInfo.endCursor;
    const orders = page(await gql(MY_ORDERS, {}), 'myOrders').pageInfo.endCursor;
    const ledger = page(await gql(LEDGER, {}), 'me', 'ledger').pageInfo.endCursor;
    const theirs = page(await gql(MY_ORDERS, {}, OTHER_KEY), 'myOrders').pageInfo.endCursor;
    anotherList(await gql(MY_ORDERS, { after: markets }), ' (markets)');
    anotherList(await gql(MY_ORDERS, { after: markets, f: { status: 'OPEN' } }), ' (markets)');
    anotherList(await gql(LEDGER, { after: orders }), ' (myOrders)');
    anotherList(await gql(MY_FILLS, { after: orders }), ' (myOrders)');
    anotherList(await gql(MARKETS, { after: ledger }), ' (Account.ledger)');
    // Another account's myOrders.
    anotherList(await gql(MY_ORDERS, { after: theirs }), ' (myOrders of another account or filter)');
    // The same account's myOrders of another market: its positions are that market's. Read in
    // m1's index, h100's cursor (its order not there) skipped to m1's oldest, answering no error.
    const h100 = page(await gql(MY_ORDERS, { f: { marketId: 'h100' } }, THIRD_KEY), 'myOrders');
    expect(ids(h100)).toEqual(['y5', 'y4']);
    anotherList(
      await gql(MY_ORDERS, { after: h100.pageInfo.endCursor, f: { marketId: 'm1' } }, THIRD_KEY),
      ' (myOrders of another account or filter)',
    );
    const m1 = page(await gql(MY_ORDERS, { f: { marketId: 'm1' } }, THIRD_KEY), 'myOrders');
    expect(
      ids(
        page(
          await gql(MY_ORDERS, { after: m1.pageInfo.endCursor, f: { marketId: 'm1' } }, THIRD_KEY),
          'myOrders',
        ),
      ),
    ).toEqual(['y1']);
    // Garbage is still garbage.
    expect((await gql(MY_ORDERS, { after: 'nonsense' })).errors).toEqual([
      expect.objectContaining({
        message: 'after is not a cursor this API gave out',
        extensions: { code: 'BAD_USER_INPUT', field: 'after' },
      }),
    ]);
  });

  it('reads a cursor given out before cursors named their list where its shape and member fit, and refuses it elsewhere', async () => {
    // The newcomer's: m:0:h100 (a markets cursor) in myOrders, a myOrders one in the ledger, i:1 in myFills.
    anotherList(await gql(MY_ORDERS, { after: 'bTowOmgxMDA' }), '');
    anotherList(await gql(MY_ORDERS, { after: 'bTowOmgxMDA', f: { status: 'OPEN' } }), '');
    anotherList(await gql(LEDGER, { after: b64('m:1:o2') }), '');
    anotherList(await gql(MY_FILLS, { after: 'aTox' }), '');
    // Their own lists' old cursors: a member there, a position in a ledger.
    expect(ids(page(await gql(MARKETS, { after: 'bTowOmgxMDA' }), 'markets'))).toEqual(['m1']);
    expect(ids(page(await gql(MY_ORDERS, { after: b64('m:1:o2') }), 'myOrders'))).toEqual(['o1']);
    expect(
      ids(page(await gql(MY_ORDERS, { after: b64('m:2:o3'), f: { status: 'OPEN' } }), 'myOrders')),
    ).toEqual(['o2', 'o1']);
    expect(ids(page(await gql(LEDGER, { after: 'aTox' }), 'me', 'ledger'), 'eventId')).toEqual(['e1']);
    // Another account's order is not in acc-1's orders.
    anotherList(await gql(MY_ORDERS, { after: b64('m:1:x2') }), '');
  });
});
