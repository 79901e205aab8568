// A market's book and ticker subscriptions through the real gateway over graphql-ws, on a Redis of
// its own: the first message is the view as it stands once the subscription is live, whether or
// not anything changes after (before, nothing came until the next change, and a client that read
// the view itself could miss a change made between its read and the subscription's start, which
// it cannot see). A change racing the subscription's start is neither lost nor sent out of order.
// The notices are published as the pricing projection publishes them: in the same atomic step as
// the change (MULTI).
import { pricingReadModel as pm } from '@gpux/contracts';
import { projectionKeys } from '@gpux/eventsourcing';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis, waitUntil } from '@gpux/testing';
import type { Client } from 'graphql-ws';
import Redis from 'ioredis';
import { RedisPubSub } from '../api/pubsub';
import { seedMarket, startGateway } from '../gateway.fixture';
import { expectRaceSettled, subscriptionClient, Watcher, watchSubscription } from '../subscriptions.fixture';

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
  const clients: Client[] = [];

  const socket = () => {
    const client = subscriptionClient(gateway.url);
    clients.push(client);
    return client;
  };

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
    await Promise.all(clients.map((c) => c.dispose()));
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
    const marker = projectionKeys(pm.name).rebuilding;
    await seed.set(marker, '1');
    try {
      const book = watch<Book>(BOOK, 'm3');
      const ticker = watch(TICKER, 'm3');
      await Promise.all([book.until(1), ticker.until(1)]);
      for (const w of [book, ticker]) {
        expect(w.messages).toEqual([]);
        expect(w.errors).toEqual([
          [expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAVAILABLE' }) })],
        ]);
      }
    } finally {
      await seed.del(marker);
    }
    // Whole again: the market as it stands.
    const ticker = watch(TICKER, 'm3');
    await ticker.until(1);
    expect(ticker.messages).toEqual([{ last: '2.400000', bestBid: '2.200000', trades: 3 }]);
    ticker.stop();
  });
});
