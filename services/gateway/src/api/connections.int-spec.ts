// Paging a sorted set in the real Redis while members are inserted in the middle, as the read
// models' sets are (scored by times from other partitions: a lease by its trade's start, an order
// by its market's event time): the next page starts just past the last item seen, wherever it now
// stands, so nothing is skipped and nothing repeated.
import { RankedSet, sortedSet } from '@gpux/read-models';
import { infraEnv, uniqueName } from '@gpux/testing';
import Redis from 'ioredis';
import { encodeCursor } from './cursors';
import { keptOf, Page, PageArgs, pageAt, readPage, readSetPage } from './connections';

describe('member cursors over a sorted set', () => {
  let redis: Redis;
  let key: string;
  let set: RankedSet;
  const args = (first: number, after?: string | null): PageArgs => ({ first, ...(after ? { after } : {}) });
  const ids = (page: Page<string>) => page.edges.map((e) => e.node);
  const read = async (members: string[]) => members;

  beforeAll(() => {
    redis = new Redis(infraEnv().REDIS_URL);
  });
  afterAll(() => redis.quit());

  beforeEach(async () => {
    key = uniqueName('test:connections');
    set = sortedSet(redis, key);
    // l1…l5, started at 10…50.
    await redis.zadd(key, 10, 'l1', 20, 'l2', 30, 'l3', 40, 'l4', 50, 'l5');
  });
  afterEach(() => redis.del(key));

  it('newest first: an item inserted below the last one seen skips nothing', async () => {
    const one = await readSetPage(args(2), set, read, 'newest first');
    expect(ids(one)).toEqual(['l5', 'l4']);
    // A lease that started earlier than every one seen is folded between the two reads.
    await redis.zadd(key, 5, 'l0');
    const two = await readSetPage(args(2, one.pageInfo.endCursor), set, read, 'newest first');
    expect(ids(two)).toEqual(['l3', 'l2']);
    const three = await readSetPage(args(2, two.pageInfo.endCursor), set, read, 'newest first');
    expect(ids(three)).toEqual(['l1', 'l0']);
    expect(three.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(three.totalCount).toBe(6);
    // A cursor that is a position alone (what every page had) skips l3 here.
    const byPosition = await readPage(args(2, encodeCursor({ position: 3 })), 6, async (from, to) =>
      redis.zrange(key, from, to),
    );
    expect(byPosition.edges.map((e) => e.node)).toEqual(['l2', 'l1']);
  });

  it('newest first: an item inserted just below the last one seen comes next', async () => {
    const one = await readSetPage(args(2), set, read, 'newest first');
    await redis.zadd(key, 35, 'l3b');
    const two = await readSetPage(args(2, one.pageInfo.endCursor), set, read, 'newest first');
    expect(ids(two)).toEqual(['l3b', 'l3']);
  });

  it('oldest first: an item inserted below the last one seen repeats nothing', async () => {
    const one = await readSetPage(args(2), set, read, 'oldest first');
    expect(ids(one)).toEqual(['l1', 'l2']);
    await redis.zadd(key, 5, 'l0');
    const two = await readSetPage(args(2, one.pageInfo.endCursor), set, read, 'oldest first');
    expect(ids(two)).toEqual(['l3', 'l4']);
    const three = await readSetPage(args(2, two.pageInfo.endCursor), set, read, 'oldest first');
    expect(ids(three)).toEqual(['l5']);
    expect(three.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    // A cursor that is a position alone (l2's, 1) would go on from 2, where l2 stands now.
    expect(await redis.zrange(key, 2, 3)).toEqual(['l2', 'l3']);
  });

  it('goes on from the position of an item gone since, and reads the old position cursors', async () => {
    const one = await readSetPage(args(2), set, read, 'oldest first');
    await redis.zrem(key, 'l2');
    const two = await readSetPage(args(2, one.pageInfo.endCursor), set, read, 'oldest first');
    // l2 stood at 1: on from position 2, as a position cursor goes on (l3, moved into l2's place, is passed).
    expect(ids(two)).toEqual(['l4', 'l5']);
    const old = Buffer.from('i:1').toString('base64url');
    expect(ids(await readSetPage(args(2, old), set, read, 'oldest first'))).toEqual(['l4', 'l5']);
    await expect(readSetPage(args(2, 'nonsense'), set, read, 'oldest first')).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
    });
  });

  it('leaves out a member read as null (gone since), keeping the others their cursors', async () => {
    const page = await readSetPage(
      args(3),
      set,
      async (ms) => ms.map((m) => (m === 'l4' ? null : m)),
      'newest first',
    );
    expect(ids(page)).toEqual(['l5', 'l3']);
    const next = await readSetPage(args(3, page.pageInfo.endCursor), set, read, 'newest first');
    expect(ids(next)).toEqual(['l2', 'l1']);
  });

  it('a filtered list (keptOf, pageAt): an item inserted below the last one seen repeats nothing', async () => {
    const odd = (m: string) => Number(m.slice(1)) % 2 === 1;
    const filtered = async (after?: string | null) =>
      pageAt(args(1, after), await keptOf(set, read, odd), 'oldest first', set.rank);
    const one = await filtered();
    expect(ids(one)).toEqual(['l1']);
    await redis.zadd(key, 5, 'l7');
    const two = await filtered(one.pageInfo.endCursor);
    expect(ids(two)).toEqual(['l3']);
    const three = await filtered(two.pageInfo.endCursor);
    expect(ids(three)).toEqual(['l5']);
    expect(three.pageInfo.hasNextPage).toBe(false);
  });
});
