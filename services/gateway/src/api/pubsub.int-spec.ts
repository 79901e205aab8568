// Subscriptions against a real Redis: a message on a channel is mapped (read from the read model)
// once, however many clients listen on that channel, and every client gets the view; a slow client
// of events is told it fell behind; and against a redis-server of the test's own, stopped and
// started again on its port: what was lost meanwhile is re-read, or the subscriber told.
import { ordersReadModel, pricingReadModel } from '@gpux/contracts';
import { RedisClient } from '@gpux/platform';
import { DedicatedRedis, freePort, infraEnv, RedisProxy, subscriberIds, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { END_OF_STREAM, REFRESH_MESSAGE, RedisPubSub } from './pubsub';

/** Until Redis at `publisher` has a subscription to `channel` (iterate subscribes without waiting). */
async function subscribedOn(publisher: Redis, channel: string): Promise<void> {
  await waitUntil(`${channel} subscribed`, async () => {
    const [, count] = (await publisher.pubsub('NUMSUB', channel)) as [string, number];
    return Number(count) > 0;
  });
}

/** What `promise` settles to, within `ms`: its value, `{ error }`, or 'pending'. */
async function settled<T>(promise: Promise<T>, ms: number): Promise<T | { error: unknown } | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'pending'>((r) => (timer = setTimeout(() => r('pending'), ms)));
  try {
    return await Promise.race([promise.catch((error: unknown) => ({ error })), late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('RedisPubSub', () => {
  let client: RedisClient;
  let pubsub: RedisPubSub;
  let publisher: Redis;

  beforeAll(() => {
    client = new RedisClient(infraEnv().REDIS_URL);
    pubsub = new RedisPubSub(client);
    publisher = new Redis(infraEnv().REDIS_URL);
  });

  afterAll(async () => {
    await pubsub.onApplicationShutdown();
    client.redis.disconnect();
    publisher.disconnect();
  });

  /** Until Redis has the gateway's subscription to `channel` (iterate subscribes without waiting). */
  const subscribed = async (channel: string) => {
    for (let i = 0; i < 200; i++) {
      const [, count] = (await publisher.pubsub('NUMSUB', channel)) as [string, number];
      if (Number(count) > 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${channel} was never subscribed`);
  };

  it('maps each message once for every client on its channel, and each client gets every view in order', async () => {
    const channel = `test:pubsub:${randomUUID()}`;
    const reads: string[] = [];
    const clients = Array.from({ length: 20 }, () =>
      pubsub.iterate(channel, async (message) => {
        reads.push(message);
        return { view: message };
      }),
    );
    await subscribed(channel);
    for (const m of ['m1', 'm2', 'm3']) await publisher.publish(channel, m);
    for (const c of clients)
      for (const m of ['m1', 'm2', 'm3']) expect(await c.next()).toEqual({ done: false, value: { view: m } });
    expect(reads).toEqual(['m1', 'm2', 'm3']);
    await Promise.all(clients.map((c) => c.return?.()));
  });

  it('skips, for every client, a message whose view is null or could not be read', async () => {
    const channel = `test:pubsub:${randomUUID()}`;
    let reads = 0;
    const map = async (message: string) => {
      reads++;
      if (message === 'gone') return null;
      if (message === 'broken') throw new Error('the read model could not be read');
      return message;
    };
    const clients = [pubsub.iterate(channel, map), pubsub.iterate(channel, map)];
    await subscribed(channel);
    for (const m of ['gone', 'broken', 'kept']) await publisher.publish(channel, m);
    for (const c of clients) expect(await c.next()).toEqual({ done: false, value: 'kept' });
    expect(reads).toBe(3);
    await Promise.all(clients.map((c) => c.return?.()));
  });

  it('drops the oldest views for a slow client of a view channel, and ends a slow client of events UNAVAILABLE after those it holds', async () => {
    const market = randomUUID();
    const [views, events] = [
      pricingReadModel.channels.book(market),
      pricingReadModel.channels.trades(market),
    ];
    const book = pubsub.iterate(views, async (m) => m, { buffer: 2 });
    // Past its buffer, a client that reads nothing has fallen behind once its oldest event waited.
    const trades = pubsub.iterate(events, async (m) => m, { kind: 'events', buffer: 2, stallMs: 0 });
    await Promise.all([subscribed(views), subscribed(events)]);
    for (const m of ['t1', 't2', 't3']) {
      await publisher.publish(views, m);
      await publisher.publish(events, m);
    }
    await waitUntil('every message received', () => pubsub.listening(events) === 0);
    expect([await book.next(), await book.next()]).toEqual([
      { done: false, value: 't2' },
      { done: false, value: 't3' },
    ]);
    // Before, trades dropped the oldest as views do: t1 was lost unnoticed.
    expect([await trades.next(), await trades.next()]).toEqual([
      { done: false, value: 't1' },
      { done: false, value: 't2' },
    ]);
    await expect(trades.next()).rejects.toMatchObject({
      message: expect.stringMatching(
        /^this subscriber fell behind: 2 events waited unsent, the oldest for \d+ ms/,
      ),
      extensions: { code: 'UNAVAILABLE' },
    });
    expect(await trades.next()).toEqual({ done: true, value: undefined });
    await book.return?.();
  });

  it("gives a client of events that reads on a burst larger than its buffer whole (one order's many trades), and ends one that holds the most it may", async () => {
    const events = pricingReadModel.channels.trades(randomUUID());
    const reader = pubsub.iterate(events, async (m) => m, { kind: 'events', buffer: 2, maxQueued: 50 });
    const capped = pubsub.iterate(events, async (m) => m, { kind: 'events', buffer: 2, maxQueued: 4 });
    await subscribed(events);
    // Published in one go: Redis hands them over in a tick, before anything is read.
    const burst = Array.from({ length: 12 }, (_, i) => `t${i}`);
    await Promise.all(burst.map((m) => publisher.publish(events, m)));
    const got: string[] = [];
    for (const _ of burst) got.push((await reader.next()).value as string);
    expect(got).toEqual(burst);
    expect([await capped.next(), await capped.next(), await capped.next(), await capped.next()]).toEqual(
      burst.slice(0, 4).map((value) => ({ done: false, value })),
    );
    await expect(capped.next()).rejects.toMatchObject({
      message: expect.stringMatching(/^this subscriber fell behind: 4 events waited unsent/),
      extensions: { code: 'UNAVAILABLE' },
    });
    await reader.return?.();
  });

  it('keeps channels apart: each is mapped once, by its own clients', async () => {
    const [a, b] = [`test:pubsub:${randomUUID()}`, `test:pubsub:${randomUUID()}`];
    const reads: string[] = [];
    const on = (channel: string) =>
      pubsub.iterate(channel, async (message) => {
        reads.push(`${channel === a ? 'a' : 'b'}:${message}`);
        return message;
      });
    const clients = { a: [on(a), on(a)], b: [on(b), on(b), on(b)] };
    await Promise.all([subscribed(a), subscribed(b)]);
    await publisher.publish(a, 'x');
    await publisher.publish(b, 'y');
    for (const c of clients.a) expect((await c.next()).value).toBe('x');
    for (const c of clients.b) expect((await c.next()).value).toBe('y');
    expect(reads.sort()).toEqual(['a:x', 'b:y']);
    await Promise.all([...clients.a, ...clients.b].map((c) => c.return?.()));
  });
});

describe("RedisPubSub: a view subscription's first view (snapshot)", () => {
  let client: RedisClient;
  let pubsub: RedisPubSub;
  let publisher: Redis;

  beforeAll(() => {
    client = new RedisClient(infraEnv().REDIS_URL);
    pubsub = new RedisPubSub(client);
    publisher = new Redis(infraEnv().REDIS_URL);
  });

  afterAll(async () => {
    await pubsub.onApplicationShutdown();
    client.redis.disconnect();
    publisher.disconnect();
  });

  it('sends the view as it stands first, with no message published; read once for those that join together, and nothing to the listeners already there', async () => {
    const channel = pricingReadModel.channels.book(randomUUID());
    const reads: string[] = [];
    const map = async (message: string) => {
      reads.push(message);
      return { read: reads.length, message };
    };
    const early = pubsub.iterate(channel, map, { snapshot: true });
    // Before, nothing came until the book changed.
    expect(await settled(early.next(), 5_000)).toEqual({ done: false, value: { read: 1, message: '' } });
    // Read once the channel was subscribed (the first view is read after the SUBSCRIBE took).
    const [, count] = (await publisher.pubsub('NUMSUB', channel)) as [string, number];
    expect(Number(count)).toBe(1);
    const waiting = early.next();
    const late = [1, 2, 3].map(() => pubsub.iterate(channel, map, { snapshot: true }));
    for (const l of late) expect(await l.next()).toEqual({ done: false, value: { read: 2, message: '' } });
    expect(reads).toEqual(['', '']);
    // The late ones' first view was theirs alone: the early listener got nothing.
    expect(await settled(waiting, 300)).toBe('pending');
    await publisher.publish(channel, 'm1');
    expect(await waiting).toEqual({ done: false, value: { read: 3, message: 'm1' } });
    for (const l of late) expect(await l.next()).toEqual({ done: false, value: { read: 3, message: 'm1' } });
    expect(reads).toEqual(['', '', 'm1']);
    await Promise.all([early, ...late].map((i) => i.return?.()));
    expect(pubsub.listening(channel)).toBe(0);
  });

  it('hands a message published while the first view is being read after it, never before it, and loses none', async () => {
    const channel = pricingReadModel.channels.ticker(randomUUID());
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let firstRead!: () => void;
    const firstStarted = new Promise<void>((resolve) => (firstRead = resolve));
    const noticeReads: string[] = [];
    const map = async (message: string) => {
      if (message !== '') {
        noticeReads.push(message);
        return `after ${message}`;
      }
      // The first view's read, slow: it answers the state before the change, after the change's own read.
      firstRead();
      await gate;
      return 'as subscribed';
    };
    const ticker = pubsub.iterate(channel, map, { snapshot: true });
    const next = ticker.next();
    await firstStarted;
    await publisher.publish(channel, 'n1');
    await waitUntil("the notice's read", () => noticeReads.length === 1);
    // The notice's view is read, the first one not: nothing is sent before the first view.
    expect(await settled(next, 200)).toBe('pending');
    open();
    expect(await next).toEqual({ done: false, value: 'as subscribed' });
    expect(await ticker.next()).toEqual({ done: false, value: 'after n1' });
    await ticker.return?.();
  });

  it('ends a stream whose first view ends it only after the messages that came while it was read', async () => {
    const channel = pricingReadModel.channels.trades(randomUUID());
    const [t1, t2] = [
      { id: 't1', n: 1 },
      { id: 't2', n: 2 },
    ];
    const mapped: string[] = [];
    const trades = pubsub.iterate<{ id: string; n: number }>(
      channel,
      async (m) => {
        mapped.push(m);
        return m === 'end' ? END_OF_STREAM : m === 't1' ? t1 : t2;
      },
      {
        kind: 'events',
        version: (t) => ['', t.n],
        // Read once the channel is live: the last trade and the end come while it is read, and it
        // sees the end only (a closed market's tradeExecuted without after); with after, it holds t1.
        first: async () => {
          for (const m of ['t1', 't2', 'end']) await publisher.publish(channel, m);
          await waitUntil('the three messages handed to the iterator', () => mapped.length === 3);
          return [t1, END_OF_STREAM];
        },
      },
    );
    expect(await trades.next()).toEqual({ done: false, value: t1 });
    // t1 came again while the first view was read: not sent twice; t2 came after it: sent.
    expect(await trades.next()).toEqual({ done: false, value: t2 });
    expect(await trades.next()).toEqual({ done: true, value: undefined });
    expect(pubsub.listening(channel)).toBe(0);
  });

  it('sends a subscriber of events no first view, and a view subscriber without snapshot none', async () => {
    const market = randomUUID();
    const [views, events] = [
      pricingReadModel.channels.book(market),
      pricingReadModel.channels.trades(market),
    ];
    let reads = 0;
    const book = pubsub.iterate(views, async (m) => `${m}:${++reads}`);
    const trades = pubsub.iterate(events, async (m) => `${m}:${++reads}`, { kind: 'events', snapshot: true });
    await Promise.all([subscribedOn(publisher, views), subscribedOn(publisher, events)]);
    const [b, t] = [book.next(), trades.next()];
    expect(await settled(Promise.race([b, t]), 300)).toBe('pending');
    expect(reads).toBe(0);
    await publisher.publish(events, 't1');
    expect(await t).toEqual({ done: false, value: 't1:1' });
    await Promise.all([book.return?.(), trades.return?.()]);
  });
});

describe('RedisPubSub while Redis is out of reach', () => {
  let port: number;
  let server: DedicatedRedis | undefined;
  let client: RedisClient;
  let pubsub: RedisPubSub;
  let publisher: Redis | undefined;

  beforeEach(async () => {
    port = await freePort();
    server = undefined;
  });

  afterEach(async () => {
    await pubsub?.onApplicationShutdown();
    client?.redis.disconnect();
    publisher?.disconnect();
    publisher = undefined;
    await server?.stop();
  });

  it('subscribes a channel whose SUBSCRIBE failed while Redis was down once Redis is up, without an unhandled rejection', async () => {
    client = new RedisClient(`redis://127.0.0.1:${port}`);
    pubsub = new RedisPubSub(client);
    const channel = pricingReadModel.channels.book(randomUUID());
    const book = pubsub.iterate(channel, async (m) => m);
    // ioredis gives up on the SUBSCRIBE after maxRetriesPerRequest (3) reconnections, about 2 s.
    // Before, its MaxRetriesPerRequestError went unhandled (which fails this test; Node exits on one).
    await new Promise((r) => setTimeout(r, 3_000));
    server = await DedicatedRedis.start({ port });
    publisher = new Redis(server.url);
    // Before, the channel stayed listed but unsubscribed: nothing ever reached it.
    await subscribedOn(publisher, channel);
    await publisher.publish(channel, 'b1');
    // The view re-read (messages were lost while it was not subscribed), then the message.
    expect(await book.next()).toEqual({ done: false, value: '' });
    expect(await book.next()).toEqual({ done: false, value: 'b1' });
    await book.return?.();
  }, 30_000);

  it('sends a view subscriber that joined while Redis was down its first view once Redis is back, read once', async () => {
    client = new RedisClient(`redis://127.0.0.1:${port}`);
    pubsub = new RedisPubSub(client);
    const channel = pricingReadModel.channels.book(randomUUID());
    let reads = 0;
    const book = pubsub.iterate(channel, async (m) => `${m}:${++reads}`, { snapshot: true });
    const first = book.next();
    await new Promise((r) => setTimeout(r, 500));
    server = await DedicatedRedis.start({ port });
    publisher = new Redis(server.url);
    expect(await settled(first, 10_000)).toEqual({ done: false, value: ':1' });
    await subscribedOn(publisher, channel);
    await publisher.publish(channel, 'b1');
    expect(await book.next()).toEqual({ done: false, value: 'b1:2' });
    expect(reads).toBe(2);
    await book.return?.();
  }, 30_000);

  it("subscribes a first subscriber that joined while Redis was down once Redis is back, on a connection that fails fast (the gateway's)", async () => {
    server = await DedicatedRedis.start({ port });
    client = new RedisClient(server.url, { failFastWhenDown: true });
    await client.onModuleInit();
    pubsub = new RedisPubSub(client);
    await server.stop();
    await waitUntil('the client to see Redis gone', () => client.redis.status !== 'ready');
    // The subscriber connection is made now, copying the client's options: its offline queue
    // must stay on, or its SUBSCRIBE, sent while it connects, is refused.
    const channel = pricingReadModel.channels.book(randomUUID());
    const book = pubsub.iterate(channel, async (m) => m);
    const next = book.next();
    server = await DedicatedRedis.start({ port });
    publisher = new Redis(server.url);
    await subscribedOn(publisher, channel);
    await publisher.publish(channel, 'b1');
    expect(await settled(next, 10_000)).toEqual({ done: false, value: 'b1' });
    await book.return?.();
  }, 30_000);

  it('re-reads every view channel once Redis is back, and ends the subscribers of events UNAVAILABLE', async () => {
    server = await DedicatedRedis.start({ port });
    client = new RedisClient(server.url);
    pubsub = new RedisPubSub(client);
    publisher = new Redis(server.url, { maxRetriesPerRequest: 1 });
    publisher.on('error', () => undefined);
    const market = randomUUID();
    const [views, trades, orders] = [
      pricingReadModel.channels.ticker(market),
      pricingReadModel.channels.trades(market),
      ordersReadModel.accountOrdersChannel(randomUUID()),
    ];
    let reads = 0;
    const viewers = [1, 2].map(() => pubsub.iterate(views, async () => ++reads));
    const eventSubscribers = [
      pubsub.iterate(trades, async (m) => m, { kind: 'events' }),
      pubsub.iterate(orders, async (m) => m, { kind: 'events' }),
    ];
    await Promise.all([views, trades, orders].map((c) => subscribedOn(publisher!, c)));
    const waiting: Promise<IteratorResult<unknown>>[] = [...viewers, ...eventSubscribers].map((i) =>
      i.next(),
    );

    await server.restart();
    // Before, nothing came: a quiet market's ticker stayed as it was before Redis went away.
    for (const next of waiting.slice(0, 2))
      expect(await settled(next, 10_000)).toEqual({ done: false, value: 1 });
    expect(reads).toBe(1); // once for both
    for (const next of waiting.slice(2))
      expect(await settled(next, 1_000)).toEqual({
        error: expect.objectContaining({
          message: expect.stringMatching(
            /^the gateway lost its connection to Redis, and events published meanwhile were not received;/,
          ),
          extensions: { code: 'UNAVAILABLE' },
        }),
      });
    expect([pubsub.listening(trades), pubsub.listening(orders), pubsub.listening(views)]).toEqual([0, 0, 2]);
    // Still subscribed: later changes reach the view channel's subscribers.
    await subscribedOn(publisher, views);
    await publisher.publish(views, 'changed');
    for (const v of viewers) expect(await v.next()).toEqual({ done: false, value: 2 });
    await Promise.all(viewers.map((v) => v.return?.()));
  }, 30_000);
});

describe("RedisPubSub after a reconnect: the subscriber back before the gateway's connection", () => {
  let server: DedicatedRedis;
  let proxy: RedisProxy;
  let client: RedisClient;
  let pubsub: RedisPubSub;

  beforeAll(async () => {
    server = await DedicatedRedis.start();
    // The gateway's connection goes through the proxy, and so does the subscriber it copies.
    proxy = await RedisProxy.start(server);
    client = new RedisClient(proxy.url, { failFastWhenDown: true });
    await client.onModuleInit();
    pubsub = new RedisPubSub(client);
  });

  afterAll(async () => {
    await pubsub.onApplicationShutdown();
    client.redis.disconnect();
    await proxy.close();
    await server.stop();
  });

  it("re-reads a view channel once the gateway's connection is ready, not while it still refuses commands", async () => {
    const redis = server.client();
    const channel = pricingReadModel.channels.book(randomUUID());
    const key = `test:book:${randomUUID()}`;
    await redis.set(key, 'before');
    // The view is read on the gateway's connection; a notice's map reads nothing here (it answers
    // what it was sent), so that a notice shows when the subscriber connection is back.
    const book = pubsub.iterate(
      channel,
      async (message) => (message === REFRESH_MESSAGE ? await client.redis.get(key) : `notice ${message}`),
      { snapshot: true },
    );
    expect(await settled(book.next(), 10_000)).toEqual({ done: false, value: 'before' });
    const before = await subscriberIds(redis);
    expect(before).toHaveLength(1);

    // Both connections cut; the gateway's, once connected again, is held at its ready check (not
    // ready, it refuses commands: fail-fast.ts), while the subscriber (no ready check) is ready.
    proxy.hold('info');
    proxy.drop();
    // The book changes while the subscriber is away: its notice would reach no one.
    await redis.set(key, 'after');
    await proxy.held();
    await waitUntil('the subscriber connection back, and the channel subscribed on it', async () => {
      const now = await subscriberIds(redis);
      const [, count] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
      return now.length === 1 && !before.includes(now[0]!) && Number(count) === 1;
    });
    // Through the subscriber connection, after its SUBSCRIBE's answer: its resubscription has run.
    await redis.publish(channel, 'through');
    expect(await settled(book.next(), 10_000)).toEqual({ done: false, value: 'notice through' });
    // What followed the SUBSCRIBE's answer (the re-read, before) has run too.
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.redis.status).not.toBe('ready');

    proxy.release();
    // Before, the re-read ran on the gateway's connection while it refused commands, and was lost:
    // the book stayed as it was until its next change.
    expect(await settled(book.next(), 10_000)).toEqual({ done: false, value: 'after' });
    await book.return?.();
  }, 30_000);
});
