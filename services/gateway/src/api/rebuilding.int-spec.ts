// ReadModelWatch with its Redis client pointed at a port where nothing listens: a NOT_FOUND whose
// check cannot be made is answered UNAVAILABLE, never thrown (thrown, it closed a WebSocket 4500
// with ioredis' words).
import { freePort } from '@gpux/testing';
import Redis from 'ioredis';
import { ReadModelWatch } from './rebuilding';

describe('ReadModelWatch', () => {
  const clients: Redis[] = [];
  const client = (url: string) => {
    const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50, disconnectTimeout: 50 });
    redis.on('error', () => undefined);
    clients.push(redis);
    return redis;
  };

  afterAll(() => clients.forEach((c) => c.disconnect()));

  const NOT_FOUND = {
    message: 'market m9 does not exist',
    extensions: { code: 'NOT_FOUND', field: 'marketId' },
  };
  const OTHER = { message: 'bad', extensions: { code: 'BAD_USER_INPUT', field: 'first' } };

  it('answers a NOT_FOUND UNAVAILABLE when Redis cannot be reached to tell whether it is false', async () => {
    const watch = new ReadModelWatch(client(`redis://127.0.0.1:${await freePort()}`));
    await expect(watch.rebuilding()).rejects.toThrow(); // the check itself cannot be made
    expect(await watch.withoutFalseNotFound([NOT_FOUND, OTHER])).toEqual([
      {
        message:
          'market m9 does not exist (Redis cannot be reached to tell whether it is only not rebuilt yet: retry in a second)',
        extensions: { code: 'UNAVAILABLE', retryAfterMs: 1_000 },
      },
      OTHER,
    ]);
    // Without a NOT_FOUND nothing is asked.
    expect(await watch.withoutFalseNotFound([OTHER])).toEqual([OTHER]);
  });
});
