// The graphql-ws server against the real gateway (real Kafka, a Redis of its own): what a socket
// runs is tracked by the gateway itself, so a subscribe and a complete of one id while it is still
// being admitted can neither leave iterators running nor get around the per-socket cap; and with
// Redis stopped an operation is answered UNAVAILABLE, the socket left open.
import { pricingReadModel, settlementReadModel } from '@gpux/contracts';
import { projectionKeys } from '@gpux/eventsourcing';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { RedisPubSub } from './pubsub';
import { postGraphql, seedApiKey, seedMarket, startGateway } from '../gateway.fixture';

const ADMIN_KEY = 'subscriptions-int-spec-admin-key-0123456789';
const BUYER_KEY = 'subscriptions-int-spec-buyer-key-0123456789';
const BOOK = 'subscription { bookUpdated(marketId: "m1") { marketId } }';
const BOOK_CHANNEL = pricingReadModel.channels.book('m1');

interface Frame {
  type: string;
  id?: string;
  payload?: unknown;
}

/** A graphql-transport-ws socket spoken frame by frame, as a hostile client would. */
class RawSocket {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString()) as Frame));
    this.closed = new Promise((resolve) =>
      ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
    );
  }

  static async open(url: string, key?: string): Promise<RawSocket> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const socket = new RawSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    socket.send({ type: 'connection_init', payload: key ? { authorization: `Bearer ${key}` } : {} });
    await waitUntil('connection_ack', () => socket.frames.some((f) => f.type === 'connection_ack'));
    return socket;
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  subscribe(id: string, query: string): void {
    this.send({ id, type: 'subscribe', payload: { query } });
  }

  /** The frames for operation `id` once one of `type` came. */
  async until(id: string, type: string): Promise<Frame[]> {
    await waitUntil(`a ${type} frame for ${id}`, () =>
      this.frames.some((f) => f.id === id && f.type === type),
    );
    return this.frames.filter((f) => f.id === id);
  }

  /** Stops (and starts again) reading what the gateway sends, as a client that never reads does. */
  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  /** Sends a raw text frame. */
  sendText(text: string): void {
    this.ws.send(text);
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws.close();
  }
}

/** Closed within `ms`, or undefined. */
async function closedWithin(
  socket: RawSocket,
  ms: number,
): Promise<{ code: number; reason: string } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([socket.closed, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('graphql-ws operations tracked per socket', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let pubsub: RedisPubSub;
  const sockets: RawSocket[] = [];
  const open = async (key?: string) => {
    const s = await RawSocket.open(gateway.url, key);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await seedMarket(redis);
    gateway = await startGateway(redis, ADMIN_KEY, { GATEWAY_WS_MAX_SUBSCRIPTIONS: '3' });
    pubsub = gateway.app.get(RedisPubSub);
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await gateway?.app.close();
    await redis?.stop();
  });

  it('closes 4400, with why, a client that sends a message only a server sends, or an operation id over 128 characters (graphql-ws closed 4500 with a stack)', async () => {
    for (const type of ['connection_ack', 'next', 'error']) {
      const socket = await open();
      socket.send({ type, id: 'x', payload: {} });
      expect(await closedWithin(socket, 5_000)).toEqual({
        code: 4400,
        reason: `a client does not send ${type} messages`,
      });
    }
    const socket = await open();
    const id = 'i'.repeat(60_000);
    socket.subscribe(id, BOOK);
    socket.subscribe(id, BOOK);
    expect(await closedWithin(socket, 5_000)).toEqual({
      code: 4400,
      reason: 'an operation id is at most 128 characters (this one has 60000)',
    });
  });

  it('cuts a socket whose client does not read its answers once 4 MiB of them wait: one socket cannot grow the gateway without bound', async () => {
    const socket = await open();
    socket.pause();
    // 600 pings of 30 kB: their pongs, 18 MB, more than the socket's kernel buffers take.
    const payload = { pad: 'p'.repeat(30_000) };
    for (let i = 0; i < 600; i++) socket.send({ type: 'ping', payload });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    socket.resume();
    const closed = await closedWithin(socket, 10_000);
    expect(closed?.code).toEqual(expect.any(Number));
    expect(socket.frames.filter((f) => f.type === 'pong').length).toBeLessThan(600);
    // Another client is served meanwhile.
    const other = await open();
    other.send({ type: 'ping' });
    await waitUntil('a pong for another client', () => other.frames.some((f) => f.type === 'pong'));
  }, 30_000);

  it('closes a socket 4409 that subscribes again with the id of an operation it completed while it was being admitted, and nothing it started keeps listening', async () => {
    const socket = await open();
    // Before, each subscribe admitted while its earlier namesake was pending ran an iterator of its
    // own: all but the last outlived the socket, and the cap never counted them.
    for (let i = 0; i < 20; i++) {
      socket.subscribe('same', BOOK);
      socket.send({ id: 'same', type: 'complete' });
    }
    socket.subscribe('same', BOOK);
    const closed = await closedWithin(socket, 5_000);
    expect(closed).toEqual({ code: 4409, reason: 'Subscriber for same already exists' });
    await waitUntil('every listener of the closed socket let go', () => pubsub.listening(BOOK_CHANNEL) === 0);
  });

  it('never runs an operation completed while it was being admitted, and lets its listener go', async () => {
    const socket = await open();
    socket.subscribe('gone', BOOK);
    socket.send({ id: 'gone', type: 'complete' });
    socket.subscribe('kept', BOOK);
    await waitUntil('the kept subscription listening', () => pubsub.listening(BOOK_CHANNEL) === 1);
    await redis.client().publish(BOOK_CHANNEL, '{}');
    await socket.until('kept', 'next');
    expect(socket.frames.filter((f) => f.id === 'gone')).toEqual([]);
    expect(pubsub.listening(BOOK_CHANNEL)).toBe(1);
    socket.send({ id: 'kept', type: 'complete' });
    await waitUntil('the completed subscription let go', () => pubsub.listening(BOOK_CHANNEL) === 0);
    expect(socket.open).toBe(true);
  });

  it('counts the operations it runs against the cap, and a completed one gives its place back', async () => {
    const socket = await open(ADMIN_KEY);
    for (const id of ['a', 'b', 'c']) socket.subscribe(id, BOOK);
    await waitUntil('three listening', () => pubsub.listening(BOOK_CHANNEL) === 3);
    socket.subscribe('d', BOOK);
    const [refused] = await socket.until('d', 'error');
    expect(refused?.payload).toEqual([
      expect.objectContaining({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } }),
    ]);
    socket.send({ id: 'a', type: 'complete' });
    socket.subscribe('e', BOOK);
    await waitUntil('e listening in a place', () => pubsub.listening(BOOK_CHANNEL) === 3);
    socket.close();
    await socket.closed;
    await waitUntil('every listener of the closed socket let go', () => pubsub.listening(BOOK_CHANNEL) === 0);
  });

  it('lets go of every listener of a socket closed while its operations were being admitted', async () => {
    const socket = await open(ADMIN_KEY);
    for (const id of ['p', 'q', 'r']) socket.subscribe(id, BOOK);
    socket.close();
    await socket.closed;
    // Long enough for the pending ones to settle.
    await new Promise((r) => setTimeout(r, 500));
    expect(pubsub.listening(BOOK_CHANNEL)).toBe(0);
  });
});

describe('graphql-ws operations while Redis is down', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await seedMarket(redis);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await gateway?.app.close();
    await redis?.stop();
  });

  it('answers an operation UNAVAILABLE, or refuses an anonymous query without asking Redis, and keeps the socket open', async () => {
    const [anonymous, admin, buyer] = await Promise.all([
      RawSocket.open(gateway.url),
      RawSocket.open(gateway.url, ADMIN_KEY),
      RawSocket.open(gateway.url, BUYER_KEY),
    ]);
    sockets.push(anonymous!, admin!, buyer!);
    await redis.stop();
    const UNAVAILABLE = {
      message: 'a part the gateway needs (Redis or Kafka) cannot be reached: retry in a second',
      extensions: { code: 'UNAVAILABLE', retryAfterMs: 1_000 },
    };
    const MARKETS = '{ markets(first: 1) { edges { node { id } } } }';
    // Before, the read models' MGET (whether one is being rebuilt) threw out of graphql-ws: the
    // socket was closed 4500 with ioredis' words, and a key that could not be looked up was
    // answered INTERNAL_SERVER_ERROR.
    for (const [socket, code] of [
      [anonymous!, 'UNAUTHENTICATED'],
      [admin!, 'UNAVAILABLE'],
      [buyer!, 'UNAVAILABLE'],
    ] as const) {
      socket.subscribe('q1', MARKETS);
      const [answer] = await socket.until('q1', 'error');
      if (code === 'UNAVAILABLE') expect(answer?.payload).toEqual([UNAVAILABLE]);
      else expect(answer?.payload).toEqual([expect.objectContaining({ extensions: { code } })]);
      expect(socket.open).toBe(true);
    }
    admin!.subscribe('q2', '{ __typename }');
    expect((await admin!.until('q2', 'complete')).map((f) => f.type)).toEqual(['next', 'complete']);
    expect(admin!.open).toBe(true);
  }, 45_000);
});

// After a flush the read model that holds API keys is refolded from the log, a key's issue before
// its revocation: a key found meanwhile may be one revoked further on. It is answered UNAVAILABLE
// (retry), over HTTP and graphql-ws, and a socket opened meanwhile serves its key once the model is
// whole (it stayed refused for its whole life).
describe('API keys while the read model that holds them is rebuilt', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let seed: Redis;
  const sockets: RawSocket[] = [];
  const marker = projectionKeys(settlementReadModel.name).rebuilding;
  // Refused by the market's tick at the gateway: nothing is sent, and only a caller let in gets this far.
  const OFF_TICK =
    'mutation { placeOrder(input: { marketId: "m1", side: BID, gpus: 1, hours: 1, price: "2.005" }) { id } }';
  const overHttp = async () =>
    (await postGraphql(gateway.url, OFF_TICK, { key: BUYER_KEY })).errors?.[0]?.extensions?.['code'];

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await seedMarket(redis);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    seed = new Redis(redis.url);
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    seed.disconnect();
    await gateway?.app.close();
    await redis?.stop();
  });

  it('refuses a key it finds while rebuilding UNAVAILABLE, and serves it (on a socket opened meanwhile too) once the model is whole', async () => {
    expect(await overHttp()).toBe('BAD_USER_INPUT');
    await seed.set(marker, JSON.stringify({ epoch: 'e1', ends: {} }));
    expect(await overHttp()).toBe('UNAVAILABLE');
    const socket = await RawSocket.open(gateway.url, BUYER_KEY);
    sockets.push(socket);
    socket.subscribe('m1', OFF_TICK);
    expect((await socket.until('m1', 'error'))[0]?.payload).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAVAILABLE' }) }),
    ]);
    await seed.del(marker);
    expect(await overHttp()).toBe('BAD_USER_INPUT');
    socket.subscribe('m2', OFF_TICK);
    const [ran] = await socket.until('m2', 'complete');
    expect(ran).toMatchObject({
      type: 'next',
      payload: {
        errors: [expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'input.price' } })],
      },
    });
  });
});
