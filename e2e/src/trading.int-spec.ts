// Trading end to end through GraphQL (issue 4): two providers and three buyers trade in two
// markets on the real stack; leases run (a GPU-hour lasts 1.5 s here) and are paid as they run;
// every balance is right to the minor unit afterwards; bad requests get their own error code and
// change nothing.
import { createClient } from 'graphql-ws';
import { HEADERS, topic } from '@gpux/contracts';
import { readTopic } from '@gpux/testing';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import WebSocket from 'ws';
import { Marketplace } from './support/marketplace';

const HOUR_MS = 1_500;
/** The most bids an account may have resting in one market, low here so a test can reach it. */
const MAX_RESTING_BIDS = 5;
const usd = (micros: number) => `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
const fee = (price: number, bps: number) => Math.ceil((price * bps) / 10_000);

async function eventually(probe: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ORDER = 'id status filledGpus remainingGpus cancelledGpus cancelReason price clientOrderId';
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER} } }`;
/** The key the gateway makes for an order sent without one. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ACCOUNT = `query($id: ID!) { account(id: $id) { balance held escrow earned } }`;

describe('trading through GraphQL', () => {
  let m: Marketplace;
  const keys: Record<string, string> = {};
  const nodes: Record<string, string> = {};
  const deposits = { b1: 1_000_000_000, b2: 1_000_000_000, b3: 1_000_000_000 };

  const place = (who: string, input: Record<string, unknown>) =>
    m.gql<{ placeOrder: Record<string, unknown> }>(PLACE, { input }, keys[who]!);
  const error = (r: { errors?: { extensions?: { code?: string; field?: string } }[] }) => ({
    code: r.errors?.[0]?.extensions?.code,
    field: r.errors?.[0]?.extensions?.field,
  });
  const balances = async (id: string) =>
    (await m.ok<{ account: Record<string, string> }>(ACCOUNT, { id })).account;

  beforeAll(async () => {
    m = await Marketplace.start(
      {
        GPU_HOUR_MS: String(HOUR_MS),
        LEASE_METER_INTERVAL_MS: '300',
        LEASE_CHARGE_DELAY_MS: '0',
      },
      { orders: { MAX_RESTING_BIDS_PER_ACCOUNT: String(MAX_RESTING_BIDS) } },
    );
    await m.ok(`mutation { a: openMarket(input: { marketId: "h100", gpuClass: "H100-80GB", minTflopsPerGpu: 40, tickSize: "0.01", feeRateBps: 250 }) { id }
                          b: openMarket(input: { marketId: "a100", gpuClass: "A100-80GB", minTflopsPerGpu: 10, tickSize: "0.05", feeRateBps: 100 }) { id } }`);
    for (const p of ['p1', 'p2']) keys[p] = await m.account(p, ['provider']);
    for (const [b, amount] of Object.entries(deposits)) keys[b] = await m.account(b, ['buyer'], usd(amount));
    const register = async (who: string, marketId: string, gpuModel: string, gpus: number) =>
      (
        await m.ok<{ registerNode: { node: { id: string; status: string } } }>(
          `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { node { id status } credential } }`,
          { i: { marketId, gpuModel, gpus, region: 'eu-west' } },
          keys[who]!,
        )
      ).registerNode.node;
    const n1 = await register('p1', 'h100', 'H100-80GB', 8);
    expect(n1.status).toBe('UNCERTIFIED');
    nodes['n1'] = n1.id;
    nodes['n2'] = (await register('p2', 'a100', 'A100-80GB', 4)).id;
    nodes['n3'] = (await register('p2', 'h100', 'H100-80GB', 4)).id;
  }, 180_000);

  afterAll(() => m?.stop());

  it('refuses asks on a node until it is certified, then matches by price and time and settles every lease to the minor unit', async () => {
    expect(
      error(
        await place('p1', {
          marketId: 'h100',
          side: 'ASK',
          gpus: 4,
          hours: 2,
          price: '2.00',
          nodeId: nodes['n1'],
        }),
      ),
    ).toEqual({ code: 'NODE_NOT_CERTIFIED', field: 'input.nodeId' });
    // A certificate below the market's minimum (40) would show CERTIFIED and sell nothing: refused,
    // and the node stays as it was.
    const below = await m.gql(
      `mutation($n: ID!) { markNodeCertified(nodeId: $n, tflopsPerGpu: 39.5) { status } }`,
      { n: nodes['n1'] },
    );
    expect(error(below)).toEqual({ code: 'BAD_USER_INPUT', field: 'tflopsPerGpu' });
    expect(below.errors?.[0]?.message).toBe(
      `market h100 requires at least 40 TFLOP/s per GPU: node ${nodes['n1']} certified at 39.5 could not sell in it`,
    );
    expect(await m.ok(`query($n: ID!) { node(id: $n) { status } }`, { n: nodes['n1'] })).toEqual({
      node: { status: 'UNCERTIFIED' },
    });
    for (const [n, tflops] of [
      ['n1', 55.5],
      ['n2', 12],
      ['n3', 41],
    ] as const) {
      await m.ok(
        `mutation($n: ID!, $t: Float!) { markNodeCertified(nodeId: $n, tflopsPerGpu: $t) { status } }`,
        { n: nodes[n], t: tflops },
      );
    }

    // A trade feed, by subscription, from before the first trade.
    const seen: string[] = [];
    const ws = createClient({
      url: m.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${keys['b1']}` },
    });
    const unsubscribe = ws.subscribe<{ tradeExecuted: { price: string; gpus: number; takerSide: string } }>(
      { query: 'subscription { tradeExecuted(marketId: "h100") { price gpus takerSide } }' },
      {
        next: (v) =>
          seen.push(
            `${v.data?.tradeExecuted.gpus}@${v.data?.tradeExecuted.price} ${v.data?.tradeExecuted.takerSide}`,
          ),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await new Promise((r) => setTimeout(r, 500));

    const a1 = await place('p1', {
      marketId: 'h100',
      side: 'ASK',
      gpus: 4,
      hours: 2,
      price: '2.00',
      nodeId: nodes['n1'],
      clientOrderId: 'a1',
    });
    // The order keeps the key it was placed with (an ask straight to orders; a bid through settlement below).
    expect(a1.data?.placeOrder).toMatchObject({ status: 'OPEN', remainingGpus: 4, clientOrderId: 'a1' });
    expect(
      (
        await place('p2', {
          marketId: 'h100',
          side: 'ASK',
          gpus: 4,
          hours: 2,
          price: '2.10',
          nodeId: nodes['n3'],
        })
      ).data?.placeOrder,
    ).toMatchObject({ status: 'OPEN', clientOrderId: expect.stringMatching(UUID) });
    expect(
      (
        await place('p2', {
          marketId: 'a100',
          side: 'ASK',
          gpus: 4,
          hours: 1,
          price: '1.00',
          nodeId: nodes['n2'],
        })
      ).data?.placeOrder,
    ).toMatchObject({ status: 'OPEN' });

    // b1 buys 2 GPUs at p1's 2.00; b2 takes p1's other 2, then 2 of p2's at 2.10; b3 buys A100s.
    expect(
      (
        await place('b1', {
          marketId: 'h100',
          side: 'BID',
          gpus: 2,
          hours: 1,
          price: '2.05',
          clientOrderId: 'b1-1',
        })
      ).data?.placeOrder,
    ).toMatchObject({ status: 'FILLED', filledGpus: 2, clientOrderId: 'b1-1' });
    // The same clientOrderId again is the same order, not a second one.
    expect(
      (
        await place('b1', {
          marketId: 'h100',
          side: 'BID',
          gpus: 2,
          hours: 1,
          price: '2.05',
          clientOrderId: 'b1-1',
        })
      ).data?.placeOrder,
    ).toMatchObject({ status: 'FILLED', filledGpus: 2 });
    // The order is found by the clientOrderId b1 chose, as by its id; filled, nothing is left to cancel.
    const byClientId = await m.ok<{ order: { id: string; status: string } }>(
      '{ order(clientOrderId: "b1-1") { id status } }',
      {},
      keys['b1']!,
    );
    expect(byClientId.order).toMatchObject({ id: expect.stringMatching(/^ord-/), status: 'FILLED' });
    expect(
      error(await m.gql('mutation { cancelOrder(clientOrderId: "b1-1") { id } }', {}, keys['b1']!)),
    ).toEqual({ code: 'ORDER_NOT_OPEN', field: 'clientOrderId' });
    const b2 = (await place('b2', { marketId: 'h100', side: 'BID', gpus: 4, hours: 1, price: '2.10' })).data
      ?.placeOrder as { id: string };
    expect(b2).toMatchObject({ status: 'FILLED', filledGpus: 4, clientOrderId: expect.stringMatching(UUID) });
    // What b2's bid paid, without paging all its fills: 2 × 1 × 2.00 + 2 × 1 × 2.10 over 4 GPU-hours;
    // and its fills alone. It came to both asks and took them (TAKER): the one at 2.00, and the one
    // at 2.10, where both limits are the price and only the side the trade records as taking tells.
    const executions = await m.ok<{ order: unknown; myFills: unknown }>(
      `query($o: ID!) {
        order(id: $o) { price filledValue averagePrice }
        myFills(orderId: $o) { totalCount edges { node { orderId price gpus value liquidity } } }
      }`,
      { o: b2.id },
      keys['b2']!,
    );
    expect(executions).toEqual({
      order: { price: '2.100000', filledValue: '8.200000', averagePrice: '2.050000' },
      myFills: {
        totalCount: 2,
        edges: [
          { node: { orderId: b2.id, price: '2.100000', gpus: 2, value: '4.200000', liquidity: 'TAKER' } },
          { node: { orderId: b2.id, price: '2.000000', gpus: 2, value: '4.000000', liquidity: 'TAKER' } },
        ],
      },
    });

    // p2's side of the trade at 2.10: its ask rested (MAKER). The market's public trades say which
    // side took each, as the feed does: b1's and b2's bids all came to resting asks.
    const p2Fills = await m.ok<{ myFills: unknown }>(
      `{ myFills(first: 5) { edges { node { price side liquidity } } } }`,
      {},
      keys['p2']!,
    );
    expect(p2Fills.myFills).toEqual({
      edges: [{ node: { price: '2.100000', side: 'ASK', liquidity: 'MAKER' } }],
    });
    const publicTrades = () =>
      m.ok<{ market: { trades: { edges: { node: { price: string; takerSide: string } }[] } } }>(
        `{ market(id: "h100") { trades(first: 10) { edges { node { price takerSide } } } } }`,
        {},
        keys['b3']!,
      );
    let listed = await publicTrades();
    await eventually(
      async () => (listed = await publicTrades()).market.trades.edges.length === 3,
      "pricing's trades list to show the three trades",
    );
    expect(listed.market.trades.edges.map((e) => e.node)).toEqual([
      { price: '2.100000', takerSide: 'BID' },
      { price: '2.000000', takerSide: 'BID' },
      { price: '2.000000', takerSide: 'BID' },
    ]);
    expect(
      (
        await place('b3', {
          marketId: 'a100',
          side: 'BID',
          gpus: 2,
          hours: 1,
          price: '1.00',
          timeInForce: 'IOC',
        })
      ).data?.placeOrder,
    ).toMatchObject({ status: 'FILLED' });
    // An IOC bid below the best ask trades nothing and is cancelled; its hold comes back.
    expect(
      (
        await place('b3', {
          marketId: 'a100',
          side: 'BID',
          gpus: 1,
          hours: 1,
          price: '0.50',
          timeInForce: 'IOC',
        })
      ).data?.placeOrder,
    ).toMatchObject({ status: 'CANCELLED', cancelReason: 'IOC_REMAINDER' });

    // b3's resting bid holds its worst case until b3 cancels it.
    const rest = (await place('b3', { marketId: 'h100', side: 'BID', gpus: 1, hours: 1, price: '1.50' })).data
      ?.placeOrder as { id: string; status: string };
    expect(rest.status).toBe('OPEN');
    expect((await balances('b3')).held).toBe(usd(1_500_000 + fee(1_500_000, 250)));
    // The book and the ticker are pricing's read model, which folds orders' events in its own
    // process: placeOrder answers once the order is in orders' model (read-your-writes for the
    // order), and the book shows it a moment later (README, "Using the API").
    const readBook = () =>
      m.ok<{
        market: { book: { bids: unknown[]; asks: unknown[] }; ticker: Record<string, unknown> };
      }>(
        `{ market(id: "h100") { book { bids { price gpus } asks { price gpus } } ticker { bestBid bestAsk last volume24h value24h vwap24h index trades } } }`,
        {},
        keys['b3']!,
      );
    let book = await readBook();
    await eventually(
      async () => (book = await readBook()).market.book.bids.length > 0,
      "pricing's book to show b3's bid",
    );
    expect(book.market.book).toEqual({
      bids: [{ price: '1.500000', gpus: 1 }],
      asks: [{ price: '2.100000', gpus: 2 }],
    });
    expect(book.market.ticker).toEqual({
      bestBid: '1.500000',
      bestAsk: '2.100000',
      last: '2.100000',
      volume24h: 6,
      value24h: '12.200000',
      vwap24h: '2.033333',
      index: '2.033333',
      trades: 3,
    });

    // Bad requests: each its own code and field, and nothing changes (b1's lease is being charged
    // from its escrow meanwhile, so escrow moves; what is spendable and held must not).
    const MY_ORDERS = `{ myOrders(first: 1) { totalCount } }`;
    const spendable = async () => ({
      ...(await balances('b1')),
      escrow: undefined,
      orders: (await m.ok<{ myOrders: { totalCount: number } }>(MY_ORDERS, {}, keys['b1']!)).myOrders
        .totalCount,
    });
    const before = await spendable();
    expect(
      error(await place('b1', { marketId: 'nope', side: 'BID', gpus: 1, hours: 1, price: '2.00' })),
    ).toEqual({ code: 'NOT_FOUND', field: 'input.marketId' });
    expect(
      error(await place('b1', { marketId: 'h100', side: 'BID', gpus: 0, hours: 1, price: '2.00' })),
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'input.gpus' });
    expect(
      error(await place('b1', { marketId: 'h100', side: 'BID', gpus: -3, hours: 1, price: '2.00' })),
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'input.gpus' });
    expect(
      error(await place('b1', { marketId: 'h100', side: 'BID', gpus: 1, hours: 1, price: '2.005' })),
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'input.price' });
    expect(
      error(await place('b1', { marketId: 'h100', side: 'BID', gpus: 1, hours: 1, price: '-2.00' })),
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'input.price' });
    expect(
      error(
        await m.gql(
          PLACE,
          { input: { marketId: 'h100', side: 'BID', gpus: 1, hours: 1, price: '2.00' } },
          null,
        ),
      ),
    ).toEqual({ code: 'UNAUTHENTICATED', field: undefined });
    expect(
      error(
        await m.gql(
          PLACE,
          { input: { marketId: 'h100', side: 'BID', gpus: 1, hours: 1, price: '2.00' } },
          'gpx_not-a-key-at-all-0000000',
        ),
      ),
    ).toEqual({ code: 'UNAUTHENTICATED', field: undefined });
    expect(
      error(
        await m.gql(`mutation($o: ID!) { cancelOrder(orderId: $o) { id } }`, { o: rest.id }, keys['b1']!),
      ),
    ).toEqual({ code: 'FORBIDDEN', field: 'orderId' });
    expect(
      error(
        await place('p1', {
          marketId: 'h100',
          side: 'ASK',
          gpus: 1,
          hours: 1,
          price: '2.00',
          nodeId: nodes['n3'],
        }),
      ),
    ).toEqual({ code: 'FORBIDDEN', field: 'input.nodeId' });
    expect(
      error(await place('p1', { marketId: 'h100', side: 'BID', gpus: 1, hours: 1, price: '2.00' })),
    ).toEqual({ code: 'FORBIDDEN', field: 'input.side' });
    expect(await spendable()).toEqual(before);
    expect(
      (
        await m.ok<{ market: { book: unknown } }>(
          `{ market(id: "h100") { book { bids { price gpus } asks { price gpus } } } }`,
        )
      ).market.book,
    ).toEqual(book.market.book);

    // A key of b3's own account that may only sell does not cancel its bid, as it could not place one.
    const asksOnly = (
      await m.ok<{ createApiKey: { key: string } }>(
        `mutation { createApiKey(accountId: "b3", roles: [PROVIDER]) { key } }`,
      )
    ).createApiKey.key;
    const byAsksOnly = await m.gql(
      `mutation($o: ID!) { cancelOrder(orderId: $o) { id } }`,
      { o: rest.id },
      asksOnly,
    );
    expect(error(byAsksOnly)).toEqual({ code: 'FORBIDDEN', field: 'orderId' });
    expect(byAsksOnly.errors?.[0]?.message).toBe(`order ${rest.id} is a bid: cancel it with a buyer key`);

    // A bid placed funded is one change (accepted); its cancel another: a bot keeps the higher.
    const ORDER_VERSION = `query($o: ID!) { order(id: $o) { status version } }`;
    expect(await m.ok(ORDER_VERSION, { o: rest.id }, keys['b3']!)).toEqual({
      order: { status: 'OPEN', version: 1 },
    });
    const cancelled = await m.ok<{ cancelOrder: { status: string; version: number } }>(
      `mutation($o: ID!) { cancelOrder(orderId: $o) { status version } }`,
      { o: rest.id },
      keys['b3']!,
    );
    expect(cancelled.cancelOrder).toEqual({ status: 'CANCELLED', version: 2 });
    // Cancelled again: nothing is left, and the answer says why (the market only knows it is not in
    // its book); another account is refused it whatever became of it.
    const again = await m.gql(
      `mutation($o: ID!) { cancelOrder(orderId: $o) { id } }`,
      { o: rest.id },
      keys['b3']!,
    );
    expect(error(again)).toEqual({ code: 'ORDER_NOT_OPEN', field: 'orderId' });
    expect(again.errors?.[0]?.extensions?.['status']).toBe('CANCELLED');
    expect(again.errors?.[0]?.message).toBe(`order ${rest.id} is cancelled: nothing is left to cancel`);
    expect(
      error(
        await m.gql(`mutation($o: ID!) { cancelOrder(orderId: $o) { id } }`, { o: rest.id }, keys['b1']!),
      ),
    ).toEqual({ code: 'FORBIDDEN', field: 'orderId' });
    // settlement releases the hold on orders' cancel event, a moment after the cancel answers.
    await eventually(async () => (await balances('b3')).held === '0.000000', "b3's hold to be released");

    // The leases run for 1.5 s a GPU-hour; once all have ended every balance is exact.
    const trades = [
      { buyer: 'b1', provider: 'p1', gpus: 2, price: 2_000_000, bps: 250 },
      { buyer: 'b2', provider: 'p1', gpus: 2, price: 2_000_000, bps: 250 },
      { buyer: 'b2', provider: 'p2', gpus: 2, price: 2_100_000, bps: 250 },
      { buyer: 'b3', provider: 'p2', gpus: 2, price: 1_000_000, bps: 100 },
    ];
    const expected: Record<string, number> = { ...deposits, p1: 0, p2: 0, platform: 0 };
    for (const t of trades) {
      expected[t.buyer]! -= t.gpus * (t.price + fee(t.price, t.bps));
      expected[t.provider]! += t.gpus * t.price;
      expected['platform']! += t.gpus * fee(t.price, t.bps);
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const leases = await m.ok<{ myLeases: { edges: { node: { status: string } }[] } }>(
        `{ myLeases(first: 10) { edges { node { status } } } }`,
        {},
        keys['b2']!,
      );
      const all = await Promise.all(
        Object.keys(expected).map(async (id) => [id, await balances(id)] as const),
      );
      const done =
        leases.myLeases.edges.length === 2 &&
        leases.myLeases.edges.every((e) => e.node.status === 'ENDED') &&
        all.every(([id, b]) => b.balance === usd(expected[id]!) && b.escrow === '0.000000');
      if (done) break;
      if (Date.now() > deadline) {
        expect(Object.fromEntries(all)).toEqual(
          Object.fromEntries(
            Object.entries(expected).map(([id, v]) => [
              id,
              { balance: usd(v), held: '0.000000', escrow: '0.000000' },
            ]),
          ),
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const id of Object.keys(expected))
      expect(await balances(id)).toMatchObject({
        balance: usd(expected[id]!),
        held: '0.000000',
        escrow: '0.000000',
      });
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    expect(total).toBe(Object.values(deposits).reduce((a, b) => a + b, 0));

    // b2's fills and its ledger tell the same story.
    const fills = await m.ok<{
      myFills: { totalCount: number; edges: { node: { price: string; gpus: number } }[] };
    }>(`{ myFills(first: 10) { totalCount edges { node { price gpus } } } }`, {}, keys['b2']!);
    expect(fills.myFills.totalCount).toBe(2);
    // Every trade of the feed was a bid that came to a resting ask: BID took.
    expect(seen.sort()).toEqual(['2@2.000000 BID', '2@2.000000 BID', '2@2.100000 BID']);
    unsubscribe();
    await ws.dispose();

    // Redis holds nothing that cannot be rebuilt: flush it, and every read model comes back the
    // same from Kafka (API keys included: they are events too).
    if (Marketplace.external) return;
    const VIEW = `{ market(id: "h100") { book { bids { price gpus } asks { price gpus } } ticker { bestAsk last volume24h vwap24h trades } trades(first: 5) { edges { node { id price takerSide } } } }
                    myOrders(first: 20) { totalCount edges { node { id status filledGpus } } } myLeases(first: 10) { edges { node { id status charged } } } me { balance held escrow } }`;
    const beforeFlush = await m.ok(VIEW, {}, keys['b2']!);
    const redis = new Redis(m.redisUrl);
    await redis.flushall();
    await redis.quit();
    let after: unknown;
    await eventually(
      async () => {
        const r = await m.gql(VIEW, {}, keys['b2']!);
        after = r.data;
        return JSON.stringify(after) === JSON.stringify(beforeFlush);
      },
      'the read models to rebuild after FLUSHALL',
      30_000,
    ).catch(() => expect(after).toEqual(beforeFlush));
  }, 120_000);

  it('pages the lists that can grow with Relay page info, and filters myOrders', async () => {
    interface Conn<T> {
      totalCount: number;
      edges: { cursor: string; node: T }[];
      pageInfo: {
        hasNextPage: boolean;
        hasPreviousPage: boolean;
        startCursor: string | null;
        endCursor: string | null;
      };
    }
    const PAGE =
      'totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
    /** Every page of a connection, walked forward; and each page's (hasNext, hasPrevious). */
    const walk = async (field: string, args: string, key: string, first: number) => {
      const ids: string[] = [];
      const flags: [boolean, boolean][] = [];
      let after: string | null = null;
      for (;;) {
        const r: Record<string, Conn<{ id: string }>> = await m.ok(
          `query($after: String) { ${field}(first: ${first}${args}, after: $after) { ${PAGE} } }`,
          { after },
          key,
        );
        const c = r[field]!;
        ids.push(...c.edges.map((e) => e.node.id));
        flags.push([c.pageInfo.hasNextPage, c.pageInfo.hasPreviousPage]);
        expect(c.pageInfo.startCursor).toBe(c.edges[0]?.cursor ?? null);
        expect(c.pageInfo.endCursor).toBe(c.edges[c.edges.length - 1]?.cursor ?? null);
        if (!c.pageInfo.hasNextPage) return { ids, flags, totalCount: c.totalCount };
        after = c.pageInfo.endCursor;
      }
    };
    expect(await walk('markets', '', keys['b1']!, 1)).toEqual({
      ids: ['h100', 'a100'],
      flags: [
        [true, false],
        [false, true],
      ],
      totalCount: 2,
    });
    expect(await walk('nodes', '', keys['b1']!, 2)).toMatchObject({
      ids: [nodes['n1'], nodes['n2'], nodes['n3']],
      totalCount: 3,
    });
    expect(await walk('nodes', ', filter: { marketId: "h100" }', keys['b1']!, 1)).toEqual({
      ids: [nodes['n1'], nodes['n3']],
      flags: [
        [true, false],
        [false, true],
      ],
      totalCount: 2,
    });
    expect(await walk('myNodes', '', keys['p2']!, 1)).toMatchObject({
      ids: [nodes['n2'], nodes['n3']],
      totalCount: 2,
    });

    // A node's certifications are a connection too, newest first.
    const certified = await m.ok<{ node: { certifications: Conn<Record<string, unknown>> } }>(
      `query($id: ID!) { node(id: $id) { certifications: certificationRecords(first: 1) { totalCount edges { cursor node { kind method recordedAt } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`,
      { id: nodes['n1'] },
      keys['b1']!,
    );
    expect(certified.node.certifications.totalCount).toBeGreaterThanOrEqual(1);
    // Its latest record, typed (CertificationRecord): the operator's certificate.
    expect(certified.node.certifications.edges[0]!.node).toEqual({
      kind: 'CERTIFIED',
      method: 'admin',
      recordedAt: expect.any(String),
    });

    // myOrders with a filter answers exactly the orders of the unfiltered list that match it, newest first.
    type Order = { id: string; marketId: string; side: string; status: string };
    const ORDER_PAGE = 'totalCount edges { node { id marketId side status } } pageInfo { hasNextPage }';
    // A filter no order can meet (live, and a finished status) is refused, not answered empty.
    const contradictory = await m.gql(
      `{ myOrders(first: 1, filter: { live: true, status: FILLED }) { totalCount } }`,
      {},
      keys['b1']!,
    );
    expect(error(contradictory)).toEqual({ code: 'BAD_USER_INPUT', field: 'filter.live' });
    let strictSubsets = 0;
    let walks = 0;
    for (const who of ['b1', 'b2', 'b3', 'p1', 'p2']) {
      const all = (
        await m.ok<{ myOrders: Conn<Order> }>(`{ myOrders(first: 100) { ${ORDER_PAGE} } }`, {}, keys[who]!)
      ).myOrders.edges.map((e) => e.node);
      const statuses = [...new Set(all.map((o) => o.status))];
      const filters: (Partial<Order> & { live?: boolean })[] = [
        { marketId: 'h100' },
        { side: 'BID' },
        { side: 'ASK' },
        // A side in a market reads that side's orders there.
        { marketId: 'h100', side: 'BID' },
        { marketId: 'h100', side: 'ASK' },
        { side: 'ASK', status: 'OPEN' },
        ...statuses.map((status) => ({ status })),
        // Each read from another index (live orders, one market's): the same answer.
        ...statuses.map((status) => ({ marketId: 'h100', status })),
        { marketId: 'h100', status: 'PARTIALLY_FILLED' },
        // Those that may still trade (a partly filled one too), and those that may not.
        { live: true },
        { live: false },
        { live: true, marketId: 'h100' },
        { live: false, side: 'BID' },
      ];
      const LIVE = ['PENDING_FUNDS', 'OPEN', 'PARTIALLY_FILLED'];
      for (const filter of filters) {
        const filtered = (
          await m.ok<{ myOrders: Conn<Order> }>(
            `query($f: OrdersFilter) { myOrders(first: 100, filter: $f) { ${ORDER_PAGE} } }`,
            { f: filter },
            keys[who]!,
          )
        ).myOrders;
        const expected = all.filter((o) =>
          Object.entries(filter).every(([k, v]) =>
            k === 'live' ? LIVE.includes(o.status) === v : o[k as keyof Order] === v,
          ),
        );
        expect({
          who,
          filter,
          ids: filtered.edges.map((e) => e.node.id),
          total: filtered.totalCount,
        }).toEqual({
          who,
          filter,
          ids: expected.map((o) => o.id),
          total: expected.length,
        });
        if (expected.length > 0 && expected.length < all.length) strictSubsets++;
        // One at a time, from cursor to cursor: the same orders, each once.
        if (expected.length > 1) {
          const walked: string[] = [];
          let after: string | null = null;
          for (let page = 0; page <= expected.length; page++) {
            const one: Conn<Order> = (
              await m.ok<{ myOrders: Conn<Order> }>(
                `query($f: OrdersFilter, $after: String) { myOrders(first: 1, after: $after, filter: $f) { totalCount edges { cursor node { id marketId side status } } pageInfo { hasNextPage } } }`,
                { f: filter, after },
                keys[who]!,
              )
            ).myOrders;
            walked.push(...one.edges.map((e) => e.node.id));
            if (!one.pageInfo.hasNextPage) break;
            after = one.edges.at(-1)!.cursor!;
          }
          expect({ who, filter, walked }).toEqual({ who, filter, walked: expected.map((o) => o.id) });
          walks++;
        }
      }
    }
    expect(strictSubsets).toBeGreaterThan(0);
    expect(walks).toBeGreaterThan(0);
  });

  it('refuses a bid that would rest beyond what one account may have resting in a market, holding nothing for it', async () => {
    const deposit = 100_000_000;
    keys['b7'] = await m.account('b7', ['buyer'], usd(deposit));
    // Bids at 0.50 rest below every ask of the market.
    const low = (n: number, extra: Record<string, unknown> = {}) => ({
      marketId: 'h100',
      side: 'BID',
      gpus: 1,
      hours: 1,
      price: '0.50',
      clientOrderId: `low-${n}`,
      ...extra,
    });
    const ids: string[] = [];
    for (let n = 0; n < MAX_RESTING_BIDS; n++) {
      const placed = await place('b7', low(n));
      expect(placed.errors).toBeUndefined();
      expect(placed.data!.placeOrder['status']).toBe('OPEN');
      ids.push(placed.data!.placeOrder['id'] as string);
    }
    const held = (await balances('b7')).held;
    const refused = await place('b7', low(MAX_RESTING_BIDS));
    expect(error(refused)).toEqual({ code: 'TOO_MANY_OPEN_ORDERS', field: 'input.marketId' });
    expect(refused.errors?.[0]?.message).toBe(
      `you have ${MAX_RESTING_BIDS} bids resting in market h100, the most one account may: cancel some, or bid IOC or FOK (they never rest)`,
    );
    // Its hold was released in the refusal's transaction: what is held is the resting bids' alone.
    await eventually(async () => (await balances('b7')).held === held, "b7's refused hold to be released");
    // A bid that never rests is taken (and cancelled, as nothing meets it); another market is apart.
    const ioc = await place('b7', low(100, { timeInForce: 'IOC' }));
    expect(ioc.data?.placeOrder).toMatchObject({ status: 'CANCELLED', cancelReason: 'IOC_REMAINDER' });
    // Once one rests no more, the account may rest a bid again.
    await m.ok(`mutation($o: ID!) { cancelOrder(orderId: $o) { status } }`, { o: ids[0] }, keys['b7']!);
    const again = await place('b7', low(101));
    expect(again.errors).toBeUndefined();
    expect(again.data!.placeOrder['status']).toBe('OPEN');
  }, 120_000);

  it("gives a bid's hold back to the minor unit when orders refuses it after settlement held", async () => {
    // The hold is decided before the market sees the bid. Here settlement is down when the bid is
    // placed: the gateway has read the market open and written the hold; the market closes; then
    // settlement holds and places the bid, which orders refuses (MARKET_CLOSED on marketId, as a
    // PlaceOrder's rejection says it), releasing the hold in the refusal's own transaction.
    const deposit = 500_000_000;
    keys['b9'] = await m.account('b9', ['buyer'], usd(deposit));
    await m.ok(
      `mutation { openMarket(input: { marketId: "v100", gpuClass: "V100-32GB", minTflopsPerGpu: 5, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
    );
    const early = {
      query: `mutation($i: RegisterNodeInput!) { registerNode(input: $i, idempotencyKey: "v100-early") { credential } }`,
      variables: {
        i: { marketId: 'v100', gpuModel: 'V100-32GB', gpus: 2, region: 'eu-west', nodeId: 'v100-early' },
      },
    };
    await m.ok(early.query, early.variables, keys['p1']!);
    const settlement = m.service('settlement');
    await settlement.stop();
    const bid = { marketId: 'v100', side: 'BID', gpus: 2, hours: 3, price: '1.50', clientOrderId: 'v-1' };
    const answer = place('b9', bid);
    const kafka = new Kafka({
      clientId: 'e2e-trading-refused',
      brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(','),
      logLevel: logLevel.NOTHING,
    });
    await readTopic(
      kafka,
      topic('settlement', 'commands', m.namespace).name,
      (rs) => rs.some((r) => r.headers[HEADERS.type] === 'settlement.HoldFunds' && r.value.includes('"b9"')),
      { timeoutMs: 20_000 },
    );
    await m.ok(`mutation { closeMarket(marketId: "v100") { id status } }`);
    await settlement.start();
    const refused = await answer;
    expect(error(refused)).toEqual({ code: 'MARKET_CLOSED', field: 'input.marketId' });
    // When it closed, that it never reopens, and what to do: orders' refusal, told with the time.
    const closedAt = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
    const closedMessage = (what: string) =>
      new RegExp(
        `^market v100 closed at ${closedAt} and never reopens, so ${what}: list the markets with the markets query \\(each says its status\\) and pick an OPEN one$`,
      );
    expect(refused.errors?.[0]?.message).toMatch(closedMessage('it takes no orders'));
    // A retry is answered as the first time, and holds nothing more.
    expect(error(await place('b9', bid))).toEqual({ code: 'MARKET_CLOSED', field: 'input.marketId' });
    // Nor is a node registered in it, where it could never sell.
    const node = await m.gql(
      `mutation($i: RegisterNodeInput!) { registerNode(input: $i) { credential } }`,
      { i: { marketId: 'v100', gpuModel: 'V100-32GB', gpus: 2, region: 'eu-west', nodeId: 'v100-late' } },
      keys['p1']!,
    );
    expect(error(node)).toEqual({ code: 'MARKET_CLOSED', field: 'input.marketId' });
    expect(node.errors?.[0]?.message).toMatch(closedMessage('no node is registered in it'));
    // A retry of a registration made before it closed is answered as a retry, not as closed.
    expect(error(await m.gql(early.query, early.variables, keys['p1']!))).toEqual({
      code: 'IDEMPOTENCY_KEY_REUSED',
      field: 'idempotencyKey',
    });
    await eventually(async () => (await balances('b9')).held === '0.000000', "b9's hold to be released");
    expect(await balances('b9')).toMatchObject({
      balance: usd(deposit),
      held: '0.000000',
      escrow: '0.000000',
    });
    // The ledger: held once, released once, to the minor unit; the order was never listed.
    const ledger = (
      await m.ok<{ account: { ledger: { edges: { node: { kind: string; held: string } }[] } } }>(
        `query($id: ID!) { account(id: $id) { ledger(first: 100) { edges { node { kind held } } } } }`,
        { id: 'b9' },
      )
    ).account.ledger.edges.map((e) => e.node);
    const hold = usd(2 * 3 * (1_500_000 + fee(1_500_000, 250)));
    expect(ledger.filter((e) => e.kind !== 'DEPOSIT')).toEqual([
      { kind: 'RELEASE', held: `-${hold}` },
      { kind: 'HOLD', held: hold },
    ]);
    expect(
      (
        await m.ok<{ myOrders: { totalCount: number } }>(
          `{ myOrders(first: 1) { totalCount } }`,
          {},
          keys['b9']!,
        )
      ).myOrders.totalCount,
    ).toBe(0);
  }, 120_000);

  it("ends a market's book, ticker and trades subscriptions once its close has emptied the book, and says when it closed", async () => {
    keys['b11'] = await m.account('b11', ['buyer'], usd(100_000_000));
    await m.ok(
      `mutation { openMarket(input: { marketId: "l4", gpuClass: "L4-24GB", minTflopsPerGpu: 5, tickSize: "0.01", feeRateBps: 250 }) { id } }`,
    );
    const bid = await place('b11', {
      marketId: 'l4',
      side: 'BID',
      gpus: 1,
      hours: 1,
      price: '2.00',
      clientOrderId: 'l4-1',
    });
    expect(bid.data?.placeOrder['status']).toBe('OPEN');
    const ws = createClient({ url: m.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, lazy: true });
    const watch = (query: string) => {
      const seen = { messages: [] as unknown[], errors: [] as unknown[], completed: false };
      ws.subscribe<Record<string, unknown>>(
        { query },
        {
          next: (v) => seen.messages.push(v.errors ?? Object.values(v.data ?? {})[0]),
          error: (e) => seen.errors.push(e),
          complete: () => (seen.completed = true),
        },
      );
      return seen;
    };
    const book = watch(
      'subscription { bookUpdated(marketId: "l4") { bids { price gpus } asks { price gpus } } }',
    );
    const ticker = watch('subscription { tickerUpdated(marketId: "l4") { bestBid bestAsk } }');
    const trades = watch('subscription { tradeExecuted(marketId: "l4") { id } }');
    await eventually(async () => book.messages.length > 0 && ticker.messages.length > 0, 'the first views');
    // Before, the emptied book and ticker came, then nothing, the operations held open for good;
    // the trades' too, with no trade ever to come.
    await m.ok(`mutation { closeMarket(marketId: "l4") { id } }`);
    await eventually(
      async () => book.completed && ticker.completed && trades.completed,
      'the three subscriptions to complete',
    );
    expect(trades).toEqual({ messages: [], errors: [], completed: true });
    expect(book.errors).toEqual([]);
    expect(book.messages[0]).toEqual({ bids: [{ price: '2.000000', gpus: 1 }], asks: [] });
    expect(book.messages.at(-1)).toEqual({ bids: [], asks: [] });
    expect(ticker.messages.at(-1)).toEqual({ bestBid: null, bestAsk: null });
    const market = await m.ok<{ market: { status: string; closedAt: string | null } }>(
      `{ market(id: "l4") { status closedAt } }`,
    );
    expect(market.market.status).toBe('CLOSED');
    expect(Date.parse(market.market.closedAt ?? '')).not.toBeNaN();
    await ws.dispose();
  }, 60_000);
});
