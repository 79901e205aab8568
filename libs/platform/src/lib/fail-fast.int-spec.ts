import { DedicatedRedis, waitUntil } from '@gpux/testing';
import { RedisClient } from './redis';

// A Redis outage under a client that answers callers (the gateway): a command sent while Redis is
// down is refused at once, not queued until ioredis' reconnections give up (6 to 8 s each once its
// reconnection delay has grown), and everything works again once Redis is back.
describe('RedisClient failFastWhenDown (against a redis-server of its own, stopped and started)', () => {
  let server: DedicatedRedis;
  let client: RedisClient;

  beforeAll(async () => {
    server = await DedicatedRedis.start();
    client = new RedisClient(server.url, { failFastWhenDown: true });
    await client.onModuleInit();
  });

  afterAll(async () => {
    await client.onApplicationShutdown();
    await server.stop();
  });

  it('refuses a command at once while Redis is down, and serves again once it is back', async () => {
    const redis = client.redis;
    await redis.set('k', 'v');
    const port = server.port;

    await server.stop();
    await waitUntil('the client to see Redis gone', () => redis.status !== 'ready');
    // Refused, not queued: the offline queue is off while the connection is down. Queued, it
    // would be refused only after maxRetriesPerRequest reconnections, as MaxRetriesPerRequestError.
    await expect(redis.get('k')).rejects.toThrow(
      "Stream isn't writeable and enableOfflineQueue options is false",
    );
    // A subscriber duplicated meanwhile (as RedisNotices and the gateway's pubsub do) keeps its
    // own offline queue: what it sends while connecting waits for the connection.
    const subscriber = redis.duplicate({ enableReadyCheck: false, enableOfflineQueue: true });
    subscriber.on('error', () => undefined);
    const subscribed = subscriber.subscribe('fail-fast-channel');

    server = await DedicatedRedis.start({ port });
    await expect(subscribed).resolves.toBe(1);
    await waitUntil('the client to reconnect', () => redis.status === 'ready');
    // An empty Redis (restarted without persistence), served again.
    expect(await redis.get('k')).toBeNull();
    await redis.set('k', 'again');
    expect(await redis.get('k')).toBe('again');
    subscriber.disconnect();
  });

  it('queues what it is sent before its first connection, as without the option', async () => {
    const early = new RedisClient(server.url, { failFastWhenDown: true });
    try {
      // Sent at once, while it connects (status "connecting"): answered once it is connected.
      expect(early.redis.status).not.toBe('ready');
      await expect(early.redis.ping()).resolves.toBe('PONG');
    } finally {
      await early.onApplicationShutdown();
    }
  });
});
