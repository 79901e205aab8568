// A closed market's book and ticker subscriptions through the real gateway over graphql-ws, on a
// Redis of its own: once the close has emptied the book, the last state is sent and the operation
// completes (graphql-ws `complete`), freeing its slot on the socket. Before, the final empty book
// and ticker came, then nothing, for good: the client could not tell the stream was over, and each
// such subscription held one of the socket's operations. The close is written as pricing writes it:
// the market's status, then each cancellation, each in one atomic step with its notices (MULTI).
import { ordersReadModel as om, pricingReadModel as pm } from '@gpux/contracts';
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
const CLOSED_AT = '2026-12-05T10:00:00.000Z';

describe('a closed market ends its book and ticker subscriptions', () => {
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
  /** orders.MarketClosed as pricing (and orders) fold it, with its notices. */
  const close = (marketId: string) =>
    notices(
      seed
        .multi()
        .hset(pm.market(marketId), { status: 'closed', closedAt: CLOSED_AT })
        .hset(om.market(marketId), { status: 'CLOSED', closedAt: CLOSED_AT }),
      marketId,
    ).exec();
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
    for (const m of ['m1', 'm2', 'm3', 'm4']) {
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
