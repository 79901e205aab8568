import { DedicatedRedis } from '@gpux/testing';
import Redis from 'ioredis';
import { redisScript } from './script';

// A projection's script call names every key its events write: a market closed with its whole book
// cancelled names one per order. On a redis-server of this test's own.
describe('redisScript', () => {
  let dedicated: DedicatedRedis;
  let redis: Redis;

  beforeAll(async () => {
    dedicated = await DedicatedRedis.start();
    redis = new Redis(dedicated.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await dedicated.stop();
  });

  it('takes more keys than a call takes arguments (200,000), by its SHA and again in full once Redis forgot it', async () => {
    const count = redisScript('return {#KEYS, #ARGV, KEYS[#KEYS], ARGV[1]}');
    const keys = Array.from({ length: 200_000 }, (_, i) => `k:${i}`);
    expect(await count(redis, keys, ['a', 'b'])).toEqual([200_000, 2, 'k:199999', 'a']);
    await redis.script('FLUSH');
    expect(await count(redis, keys, ['a', 'b'])).toEqual([200_000, 2, 'k:199999', 'a']);
  });
});
