import { infraEnv, uniqueName } from '@gpux/testing';
import { RedisClient } from './redis';

describe('Redis (ioredis against the real redis-server)', () => {
  const client = new RedisClient(infraEnv().REDIS_URL);
  const redis = client.redis;
  const prefix = uniqueName('it');

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await client.onApplicationShutdown();
  });

  it('round-trips strings and hashes', async () => {
    await redis.set(`${prefix}:s`, 'héllo');
    expect(await redis.get(`${prefix}:s`)).toBe('héllo');
    await redis.hset(`${prefix}:h`, { a: '1', b: '2' });
    expect(await redis.hgetall(`${prefix}:h`)).toEqual({ a: '1', b: '2' });
  });

  it('applies a change and its checkpoint together (MULTI/EXEC), or not at all', async () => {
    const results = await redis
      .multi()
      .hincrby(`${prefix}:balance`, 'acc-1', 250)
      .set(`${prefix}:checkpoint`, '41')
      .exec();
    expect(results?.every(([error]) => error === null)).toBe(true);
    // A transaction with a command Redis rejects at queue time is discarded whole.
    await expect(
      redis
        .multi()
        .hincrby(`${prefix}:balance`, 'acc-1', 100)
        .call('NO-SUCH-COMMAND')
        .set(`${prefix}:checkpoint`, '42')
        .exec(),
    ).rejects.toThrow();
    expect(await redis.hget(`${prefix}:balance`, 'acc-1')).toBe('250');
    expect(await redis.get(`${prefix}:checkpoint`)).toBe('41');
  });

  it('runs Lua scripts atomically', async () => {
    // Apply only if the event is newer than the checkpoint: the basis of idempotent projections.
    const script = `
      local cp = tonumber(redis.call('GET', KEYS[2]) or '-1')
      if tonumber(ARGV[1]) <= cp then return 0 end
      redis.call('HINCRBY', KEYS[1], 'n', 1)
      redis.call('SET', KEYS[2], ARGV[1])
      return 1`;
    const keys = [`${prefix}:lua`, `${prefix}:lua-cp`];
    expect(await redis.eval(script, 2, ...keys, '5')).toBe(1);
    expect(await redis.eval(script, 2, ...keys, '5')).toBe(0);
    expect(await redis.eval(script, 2, ...keys, '6')).toBe(1);
    expect(await redis.hget(keys[0]!, 'n')).toBe('2');
  });
});
