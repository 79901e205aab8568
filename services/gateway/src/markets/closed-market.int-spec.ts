// A closed market's book, ticker and trades subscriptions through the real gateway over graphql-ws, on a
// Redis of its own: once the close has emptied the book, the last state is sent and the operation
// completes (graphql-ws `complete`), freeing its slot on the socket. Before, the final empty book
// and ticker came, then nothing, for good: the client could not tell the stream was over, and each
// such subscription held one of the socket's operations. The close is written as pricing writes it:
// the market's status, then each cancellation, each in one atomic step with its notices (MULTI).
// Its trades' subscriptions end on the close too, which pricing announces on the trades channel
// after the market's last trade; before, they stayed open for good as well.
import { MARKET_CLOSED_MESSAGE, ordersReadModel as om, pricingReadModel as pm } from '@gpux/contracts';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { RedisPubSub } from '../api/pubsub';
import { markFolded, postGraphql, seedMarket, startGateway } from '../gateway.fixture';
import { SubscriptionClients, Watcher, watchSubscription } from '../subscriptions.fixture';

const ADMIN_KEY = 'closed-market-int-spec-admin-key-0123456789';
const BOOK =
  'subscription($m: ID!) { bookUpdated(marketId: $m) { bids { price gpus } asks { price gpus } } }';
const TICKER = 'subscription($m: ID!) { tickerUpdated(marketId: $m) { bestBid bestAsk trades } }';
const TRADES = 'subscription($m: ID!) { tradeExecuted(marketId: $m) { id sequence } }';
const TRADES_AFTER =
  'subscription($m: ID!, $a: Int) { tradeExecuted(marketId: $m, after: $a) { id sequence } }';
const CLOSED_AT = '2026-12-05T10:00:00.000Z';

describe('a closed market ends its book, ticker and trades subscriptions', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let pubsub: RedisPubSub;
  let seed: Redis;
  const clients = new SubscriptionClients(() => gateway.url);
  const socket = () => clients.open();
  const watch = <T>(query: string, marketId: string, client = socket()): Watcher<T> =>
    watchSubscription<T>(client, query, { m: marketId });
  const notices = (tx: ReturnType<Redis['multi']>, marketId: string) =>
    tx
      .publish(pm.channels.book(marketId), JSON.stringify({ marketId }))
      .publish(pm.channels.ticker(marketId), JSON.stringify({ marketId }));

  /** Market `marketId` in pricing's read model too (its status is what ends the subscriptions). */
  const seedPricingMarket = (marketId: string) =>
    seed.hset(pm.market(marketId), {
      gpuClass: 'H100-80GB',
      minTflopsPerGpu: '40',
      tickSize: '10000',
      feeRateBps: '250',
      status: 'open',
      openedAt: '2026-12-01T00:00:00.000Z',
    });
  const setBid = (marketId: string, price: number, gpus: number) =>
    notices(
      seed
        .multi()
        .zadd(pm.bookPrices(marketId, 'bid'), price, String(price))
        .hset(pm.bookLevels(marketId, 'bid'), String(price), String(gpus)),
      marketId,
    ).exec();
  /** orders.MarketClosed as pricing (and orders) fold it, with its notices: its trades' channel's last. */
  const close = (marketId: string) =>
    notices(
      seed
        .multi()
        .hset(pm.market(marketId), { status: 'closed', closedAt: CLOSED_AT })
        .hset(om.market(marketId), { status: 'CLOSED', closedAt: CLOSED_AT }),
      marketId,
    )
      .publish(pm.channels.trades(marketId), MARKET_CLOSED_MESSAGE)
      .exec();
  /** orders.TradeExecuted as pricing folds it: the market's `n`th trade listed and announced. */
  const trade = (marketId: string, n: number) => {
    const record = JSON.stringify({
      marketId,
      tradeId: `${marketId}-t${n}`,
      price: 2_000_000,
      gpus: 1,
      hours: 1,
      value: 2_000_000,
      time: '2026-12-05T09:00:00.000Z',
      takerSide: 'bid',
    });
    return seed
      .multi()
      .rpush(pm.trades(marketId), record)
      .publish(pm.channels.trades(marketId), record)
      .exec();
  };
  /** A resting bid's orders.OrderCancelled (MARKET_CLOSED) as pricing folds it: its level gone. */
  const cancelBid = (marketId: string, price: number) =>
    notices(
      seed
        .multi()
        .zrem(pm.bookPrices(marketId, 'bid'), String(price))
        .hdel(pm.bookLevels(marketId, 'bid'), String(price)),
      marketId,
    ).exec();
  const completed = (watchers: Watcher<unknown>[]) =>
    waitUntil('every operation completed', () => watchers.every((w) => w.completed || w.errors.length > 0));

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    seed = new Redis(redis.url);
    // Every model marked folded before it is seeded (one without an epoch is cleared first).
    await markFolded(redis);
    for (const m of ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']) {
      await seedMarket(redis, m);
      await seedPricingMarket(m);
    }
    gateway = await startGateway(redis, ADMIN_KEY, { GATEWAY_WS_MAX_SUBSCRIPTIONS: '3' });
    pubsub = gateway.app.get(RedisPubSub);
  });

  afterAll(async () => {
    await clients.disposeAll();
    seed?.disconnect();
    await gateway?.app.close();
    await redis?.stop();
  });

  it('sends the book and ticker once the close has emptied the book, then completes, letting go of the channels', async () => {
    await setBid('m1', 2_200_000, 2);
    const book = watch(BOOK, 'm1');
    const ticker = watch(TICKER, 'm1');
    await Promise.all([book.until(1), ticker.until(1)]);
    await close('m1');
    await cancelBid('m1', 2_200_000);
    await completed([book, ticker]);
    expect(book.errors).toEqual([]);
    expect(ticker.errors).toEqual([]);
    // The close with its bid still resting changed nothing either selected; the emptied book is the last.
    expect(book.messages).toEqual([
      { bids: [{ price: '2.200000', gpus: 2 }], asks: [] },
      { bids: [], asks: [] },
    ]);
    expect(ticker.messages).toEqual([
      { bestBid: '2.200000', bestAsk: null, trades: 0 },
      { bestBid: null, bestAsk: null, trades: 0 },
    ]);
    expect([book.completed, ticker.completed]).toEqual([true, true]);
    await waitUntil('the channels let go', () => pubsub.listening(pm.channels.book('m1')) === 0);
    expect(pubsub.listening(pm.channels.ticker('m1'))).toBe(0);
  });

  it('completes a watcher of an empty book on the close alone, sending nothing it holds already', async () => {
    const book = watch(BOOK, 'm2');
    await book.until(1);
    await close('m2');
    await completed([book]);
    expect(book.errors).toEqual([]);
    expect(book.messages).toEqual([{ bids: [], asks: [] }]);
    expect(book.completed).toBe(true);
  });

  it("sends a closed market's last state and completes at once, so a socket's operations stay free", async () => {
    await close('m3');
    const client = socket();
    // Three at once, the most this gateway lets a socket run, then three more: each slot came back.
    for (let round = 0; round < 2; round++) {
      const watchers = [watch(BOOK, 'm3', client), watch(TICKER, 'm3', client), watch(BOOK, 'm3', client)];
      await completed(watchers);
      expect(watchers.flatMap((w) => w.errors)).toEqual([]);
      expect(watchers.map((w) => w.messages)).toEqual([
        [{ bids: [], asks: [] }],
        [{ bestBid: null, bestAsk: null, trades: 0 }],
        [{ bids: [], asks: [] }],
      ]);
    }
  });

  it("completes a market's trade subscriptions, with and without after, once its close follows its last trade", async () => {
    await trade('m5', 1);
    const live = watch(TRADES, 'm5');
    const caughtUp = watchSubscription<unknown>(socket(), TRADES_AFTER, { m: 'm5', a: 0 });
    await caughtUp.until(1);
    // The channel is live for both once the one with after has its first view.
    await waitUntil('both listen', () => pubsub.listening(pm.channels.trades('m5')) === 2);
    await trade('m5', 2);
    await close('m5');
    await completed([live, caughtUp]);
    expect([live.errors, caughtUp.errors]).toEqual([[], []]);
    expect(live.messages).toEqual([{ id: 'm5-t2', sequence: 2 }]);
    expect(caughtUp.messages).toEqual([
      { id: 'm5-t1', sequence: 1 },
      { id: 'm5-t2', sequence: 2 },
    ]);
    expect([live.completed, caughtUp.completed]).toEqual([true, true]);
    await waitUntil('the channel let go', () => pubsub.listening(pm.channels.trades('m5')) === 0);
  });

  it("sends a closed market's trades after after and completes at once; without after, completes with none", async () => {
    await trade('m6', 1);
    await trade('m6', 2);
    await close('m6');
    const client = socket();
    // More than this gateway lets a socket run at once: each slot came back.
    for (let round = 0; round < 2; round++) {
      const watchers = [
        watchSubscription<unknown>(client, TRADES_AFTER, { m: 'm6', a: 1 }),
        watchSubscription<unknown>(client, TRADES, { m: 'm6' }),
        watchSubscription<unknown>(client, TRADES_AFTER, { m: 'm6', a: 0 }),
      ];
      await completed(watchers);
      expect(watchers.flatMap((w) => w.errors)).toEqual([]);
      expect(watchers.map((w) => w.messages)).toEqual([
        [{ id: 'm6-t2', sequence: 2 }],
        [],
        [
          { id: 'm6-t1', sequence: 1 },
          { id: 'm6-t2', sequence: 2 },
        ],
      ]);
    }
  });

  it("completes a trades subscription without after to a market orders closed, pricing's close not folded yet", async () => {
    // As while pricing's model is refolded after a FLUSHALL: its refold announces nothing.
    await seed.hset(om.market('m7'), { status: 'CLOSED', closedAt: CLOSED_AT });
    const trades = watch(TRADES, 'm7');
    await completed([trades]);
    expect([trades.errors, trades.messages, trades.completed]).toEqual([[], [], true]);
  });

  it('tells when a market closed (Market.closedAt), null while it is open', async () => {
    const answer = await postGraphql(
      gateway.url,
      '{ open: market(id: "m4") { status closedAt } closed: market(id: "m3") { status closedAt } }',
    );
    expect(answer).toEqual({
      data: {
        open: { status: 'OPEN', closedAt: null },
        closed: { status: 'CLOSED', closedAt: CLOSED_AT },
      },
    });
  });
});
