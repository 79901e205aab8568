// Subscriptions against a real Redis: a message on a channel is mapped (read from the read model)
// once, however many clients listen on that channel, and every client gets the view.
import { RedisClient } from '@gpux/platform';
import { infraEnv } from '@gpux/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisPubSub } from './pubsub';

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
