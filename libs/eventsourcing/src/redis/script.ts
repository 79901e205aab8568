import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

/** Runs a Lua script: `(redis, keys, args)`, answering what the script returns. */
export type RedisScript = (redis: Redis, keys: string[], args: string[]) => Promise<unknown>;

/**
 * A Lua script sent by its SHA1 (EVALSHA), and in full (EVAL) once Redis answers that it does not
 * know it (a restart, or SCRIPT FLUSH, drops scripts). Calls made without awaiting are sent in
 * order; a refused EVALSHA runs nothing.
 */
export function redisScript(lua: string): RedisScript {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (redis, keys, args) => {
    // One array, not spread into the call: a call takes about 100,000 arguments at most, and a
    // projection's call may name more keys (a market closed with its whole book cancelled).
    const all = keys.concat(args);
    try {
      return await redis.evalsha(sha, keys.length, all);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(lua, keys.length, all);
    }
  };
}
