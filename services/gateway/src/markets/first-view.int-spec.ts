// A market's book and ticker subscriptions through the real gateway over graphql-ws, on a Redis of
// its own: the first message is the view as it stands once the subscription is live, whether or
// not anything changes after (before, nothing came until the next change, and a client that read
// the view itself could miss a change made between its read and the subscription's start, which
// it cannot see). A change racing the subscription's start is neither lost nor sent out of order.
// The notices are published as the pricing projection publishes them: in the same atomic step as
// the change (MULTI).
import { pricingReadModel as pm } from '@gpux/contracts';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { RedisPubSub } from '../api/pubsub';
import { seedMarket, startGateway } from '../gateway.fixture';
import {
  expectEndedUnavailable,
  expectRaceSettled,
  SubscriptionClients,
  Watcher,
  watchSubscription,
  whileRebuilding,
} from '../subscriptions.fixture';

const ADMIN_KEY = 'first-view-int-spec-admin-key-0123456789';
const BOOK =
  'subscription($m: ID!) { bookUpdated(marketId: $m) { bids { price gpus } asks { price gpus } } }';
const TICKER = 'subscription($m: ID!) { tickerUpdated(marketId: $m) { last bestBid trades } }';

interface Level {
  price: string;
  gpus: number;
}
interface Book {
  bids: Level[];
  asks: Level[];
}

describe("a market's book and ticker subscriptions send the market as it stands first", () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let pubsub: RedisPubSub;
  let seed: Redis;
  const clients = new SubscriptionClients(() => gateway.url);
  const socket = () => clients.open();

  /** A subscription's messages as they come; anonymous (public market data). */
  const watch = <T>(query: string, marketId: string, client = socket()) =>
    watchSubscription<T>(client, query, { m: marketId });

  /** Bid level `price` (minor units) at `gpus`, and its notices, in one atomic step as pricing writes them. */
  const setBid = (marketId: string, price: number, gpus: number) =>
    seed
      .multi()
      .zadd(pm.bookPrices(marketId, 'bid'), price, String(price))
      .hset(pm.bookLevels(marketId, 'bid'), String(price), String(gpus))
      .publish(pm.channels.book(marketId), JSON.stringify({ marketId }))
      .publish(pm.channels.ticker(marketId), JSON.stringify({ marketId }))
      .exec();

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    for (const m of ['m1', 'm2']) await seedMarket(redis, m);
    seed = new Redis(redis.url);
    gateway = await startGateway(redis, ADMIN_KEY);
    pubsub = gateway.app.get(RedisPubSub);
  });

  afterAll(async () => {
    await clients.disposeAll();
    seed?.disconnect();
    await gateway?.app.close();
    await redis?.stop();
  });

  it('sends the book and the ticker as they stand, with no change after subscribing; a later watcher gets its own, the others nothing more', async () => {
    await seed.hset(pm.ticker('m1'), { last: '2400000', lastTradeId: 'm1-t3', trades: '3' });
    await setBid('m1', 2_200_000, 2);
    await setBid('m1', 2_100_000, 5);
    const book = watch<Book>(BOOK, 'm1');
    const ticker = watch(TICKER, 'm1');
    // Before, nothing came: the market did not change after they subscribed.
    await Promise.all([book.until(1), ticker.until(1)]);
    const bids = [
      { price: '2.200000', gpus: 2 },
      { price: '2.100000', gpus: 5 },
    ];
    expect(book.messages).toEqual([{ bids, asks: [] }]);
    expect(ticker.messages).toEqual([{ last: '2.400000', bestBid: '2.200000', trades: 3 }]);
    // As a query reads it.
    const read = await fetch(gateway.url + '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          '{ market(id: "m1") { book { bids { price gpus } asks { price gpus } } ticker { last bestBid trades } } }',
      }),
    });
    expect(((await read.json()) as { data: unknown }).data).toEqual({
      market: { book: book.messages[0], ticker: ticker.messages[0] },
    });

    // The same operation on another socket (its executions shared): its own first book, and the
    // first watcher is sent nothing for it.
    const later = watch<Book>(BOOK, 'm1');
    await later.until(1);
    expect(later.messages).toEqual([{ bids, asks: [] }]);
    await pause(300);
    expect(book.messages).toHaveLength(1);
    // Then every change, once each.
    await setBid('m1', 2_300_000, 1);
    await Promise.all([book.until(2), later.until(2), ticker.until(2)]);
    const changed = { bids: [{ price: '2.300000', gpus: 1 }, ...bids], asks: [] };
    expect(book.messages).toEqual([{ bids, asks: [] }, changed]);
    expect(later.messages).toEqual([{ bids, asks: [] }, changed]);
    expect(ticker.messages[1]).toEqual({ last: '2.400000', bestBid: '2.300000', trades: 3 });
    await pause(200);
    expect([book.messages.length, later.messages.length, ticker.messages.length]).toEqual([2, 2, 2]);
    expect([...book.errors, ...later.errors, ...ticker.errors]).toEqual([]);
    for (const w of [book, ticker, later]) w.stop();
    await waitUntil('m1 let go of', () => pubsub.listening(pm.channels.book('m1')) === 0);
  });

  it('loses no change that races a subscription, and never sends an older book after a newer one', async () => {
    // The level's GPUs count the changes: each watcher's messages must count up, each at most once,
    // and end at the last. Watchers start while the book changes, one per change, and a few after
    // the last change: none of them is told when its subscription is live.
    const steps = 40;
    const watchers: Watcher<Book>[] = [];
    for (let gpus = 1; gpus <= steps; gpus++) {
      watchers.push(watch<Book>(BOOK, 'm2'));
      await setBid('m2', 2_000_000, gpus);
      if (gpus % 4 === 0) await pause(5);
    }
    for (let i = 0; i < 5; i++) watchers.push(watch<Book>(BOOK, 'm2'));
    // Before, the watchers that subscribed as the book stopped changing were sent nothing at all.
    await expectRaceSettled(watchers, (b) => b.bids[0]?.gpus ?? 0, steps);
  });

  it("refuses UNAVAILABLE, as a query, a book or ticker subscription while pricing's model is rebuilt", async () => {
    // Admitted (subscriptions went ahead whatever the models), its first message was read from the
    // model mid-refold, as far as pricing had refolded the market (an empty book, a ticker without
    // its last trade), and sent as the market as it stands, which a query is never answered.
    await seedMarket(redis, 'm3');
    await seed.hset(pm.ticker('m3'), { last: '2400000', lastTradeId: 'm3-t3', trades: '3' });
    await setBid('m3', 2_200_000, 2);
    await whileRebuilding(seed, pm.name, async () => {
      await Promise.all([
        expectEndedUnavailable(watch<Book>(BOOK, 'm3')),
        expectEndedUnavailable(watch(TICKER, 'm3')),
      ]);
    });
    // Whole again: the market as it stands.
    const ticker = watch(TICKER, 'm3');
    await ticker.until(1);
    expect(ticker.messages).toEqual([{ last: '2.400000', bestBid: '2.200000', trades: 3 }]);
    ticker.stop();
  });

  /** Trades `from` to `to` of `marketId` appended to its list, each with its message, as pricing writes them. */
  const trade = (marketId: string, n: number) => {
    const record = JSON.stringify({
      marketId,
      tradeId: `${marketId}-t${n}`,
      price: 2_500_000,
      gpus: 1,
      hours: 1,
      value: 2_500_000,
      time: '2025-01-01T00:00:00.000Z',
    });
    return seed
      .multi()
      .rpush(pm.trades(marketId), record)
      .publish(pm.channels.trades(marketId), record)
      .exec();
  };
  const TRADES =
    'subscription($m: ID!, $after: Int) { tradeExecuted(marketId: $m, after: $after) { id sequence } }';
  const tradesAfter = (marketId: string, after: number | null) =>
    watchSubscription<{ id: string; sequence: number }>(socket(), TRADES, { m: marketId, after });

  it('tradeExecuted(after) sends the trades after the one given first, then each new one, each once', async () => {
    await seedMarket(redis, 't1');
    for (let n = 1; n <= 3; n++) await trade('t1', n);
    const after = tradesAfter('t1', 1);
    // Before, after was not an argument (refused), and a trade between a page read and the
    // subscription's start was lost.
    await after.until(2);
    await trade('t1', 4);
    await after.until(3);
    expect(after.messages).toEqual([
      { id: 't1-t2', sequence: 2 },
      { id: 't1-t3', sequence: 3 },
      { id: 't1-t4', sequence: 4 },
    ]);
    // Without after: the trades from when it is live only.
    const live = tradesAfter('t1', null);
    await waitUntil('t1 trades listened to', () => pubsub.listening(pm.channels.trades('t1')) === 2);
    await trade('t1', 5);
    await Promise.all([after.until(4), live.until(1)]);
    expect(live.messages).toEqual([{ id: 't1-t5', sequence: 5 }]);
    expect([...after.errors, ...live.errors]).toEqual([]);
    after.stop();
    live.stop();
  });

  it('tradeExecuted(after) loses and doubles no trade that races the subscription', async () => {
    await seedMarket(redis, 't2');
    const steps = 40;
    const watchers: Watcher<{ id: string; sequence: number }>[] = [];
    for (let n = 1; n <= steps; n++) {
      watchers.push(tradesAfter('t2', 0));
      await trade('t2', n);
      if (n % 4 === 0) await pause(5);
    }
    for (let i = 0; i < 5; i++) watchers.push(tradesAfter('t2', 0));
    const all = Array.from({ length: steps }, (_, i) => i + 1);
    await waitUntil('every watcher at the last trade', () =>
      watchers.every((w) => w.messages.length >= steps || w.errors.length > 0),
    ).catch(() => undefined);
    // Every trade since the market opened, once each, in order.
    expect(watchers.map((w) => w.messages.map((t) => t.sequence))).toEqual(watchers.map(() => all));
    expect(watchers.flatMap((w) => w.errors)).toEqual([]);
    for (const w of watchers) w.stop();
  });

  it("tradeExecuted(after) ends BAD_USER_INPUT on after when too many trades came after it or it is above the last, and UNAVAILABLE while pricing's model is rebuilt", async () => {
    await seedMarket(redis, 't3');
    for (let n = 1; n <= 102; n++) await trade('t3', n);
    const far = tradesAfter('t3', 0);
    await far.until(1);
    expect(far.messages).toEqual([]);
    expect(far.errors).toEqual([
      [
        expect.objectContaining({
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }),
        }),
      ],
    ]);
    const near = tradesAfter('t3', 2);
    await near.until(100);
    expect(near.messages.map((t) => t.sequence)).toEqual(Array.from({ length: 100 }, (_, i) => i + 3));
    near.stop();
    // A sequence the market has not reached (102 trades here) is no trade the client holds: before,
    // it was taken, nothing came first, and trade 103 (at or below it) was sent as a later one.
    const beyond = tradesAfter('t3', 150);
    await beyond.until(1);
    expect(beyond.messages).toEqual([]);
    expect(beyond.errors).toEqual([
      [
        expect.objectContaining({
          message:
            "after 150 is above market t3's last trade, 102: give the highest sequence of a page of its Market.trades (0 for every trade)",
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }),
        }),
      ],
    ]);
    // The last trade itself is a sequence a client can hold: nothing first, then each new one.
    const last = tradesAfter('t3', 102);
    await trade('t3', 103);
    await last.until(1);
    expect(last.messages).toEqual([{ id: 't3-t103', sequence: 103 }]);
    expect(last.errors).toEqual([]);
    last.stop();
    await whileRebuilding(seed, pm.name, () => expectEndedUnavailable(tradesAfter('t3', 100)));
  });

  it('ends a book subscription whose first view cannot be read with UNAVAILABLE, never silently', async () => {
    // Before, the failed read was skipped: no message and no error, the client waiting on nothing.
    await seedMarket(redis, 'm5');
    await seed.set(pm.bookPrices('m5', 'bid'), 'not a sorted set');
    await expectEndedUnavailable(watch<Book>(BOOK, 'm5'));
    await waitUntil('m5 let go of', () => pubsub.listening(pm.channels.book('m5')) === 0);
  });

  it('a subscription spread from a fragment is refused only while a model its fields read is rebuilt', async () => {
    await seedMarket(redis, 'm6');
    const spread = (field: string) =>
      `subscription($m: ID!) { ...F } fragment F on Subscription { ${field}(marketId: $m) { __typename } }`;
    // With a key: an anonymous socket may subscribe to public fields named at the root only.
    const admin = clients.open(`Bearer ${ADMIN_KEY}`);
    await whileRebuilding(seed, pm.name, async () => {
      // tradeExecuted without after reads only whether the market closed, and is not refused while
      // pricing's model is rebuilt: before, any fragment at the root was refused.
      const trades = watch(spread('tradeExecuted'), 'm6', admin);
      await waitUntil('m6 trades listened to', () => pubsub.listening(pm.channels.trades('m6')) === 1);
      await expectEndedUnavailable(watch(spread('bookUpdated'), 'm6', admin));
      expect(trades.errors).toEqual([]);
      trades.stop();
    });
  });
});
