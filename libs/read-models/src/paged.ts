import type Redis from 'ioredis';

/**
 * A list in a read model, read a slice at a time: how many it holds, and the items at positions
 * `from` to `to` (inclusive, as Redis counts them) in its stored order.
 */
export interface Paged<T> {
  count(): Promise<number>;
  slice(from: number, to: number): Promise<T[]>;
}

/**
 * A sorted set's members, lowest score first, and where a member stands now: an item can be
 * inserted anywhere (scores are times from other partitions), so a page continues after its last
 * member's rank, not after the position it had.
 */
export interface RankedSet extends Paged<string> {
  /** The member's position (ZRANK, O(log n)), null when it is not in the set. */
  rank(member: string): Promise<number | null>;
}

/** The members of a sorted set, lowest score first. */
export function sortedSet(redis: Redis, key: string): RankedSet {
  return {
    count: () => redis.zcard(key),
    slice: (from, to) => redis.zrange(key, from, to),
    rank: (member) => redis.zrank(key, member),
  };
}

/** The items of a list, each read with `parse`. */
export function list<T>(redis: Redis, key: string, parse: (raw: string) => T): Paged<T> {
  return {
    count: () => redis.llen(key),
    slice: async (from, to) => (await redis.lrange(key, from, to)).map(parse),
  };
}
