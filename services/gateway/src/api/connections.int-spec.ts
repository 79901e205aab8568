// Paging a sorted set in the real Redis while members are inserted in the middle, as the read
// models' sets are (scored by times from other partitions: a lease by its trade's start, an order
// by its market's event time): the next page starts just past the last item seen, wherever it now
// stands, so nothing is skipped and nothing repeated.
import { RankedSet, sortedSet } from '@gpux/read-models';
import { infraEnv, uniqueName } from '@gpux/testing';
import Redis from 'ioredis';
import { CursorList, encodeCursor } from './cursors';
import { keptOf, Page, PageArgs, pageAt, readPage, readSetPage } from './connections';

describe('member cursors over a sorted set', () => {
  let redis: Redis;
  let key: string;
  let set: RankedSet;
  const LEASES: CursorList = { field: 'myLeases', of: 'acc-1' };
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
    const one = await readSetPage(args(2), set, read, 'newest first', LEASES);
    expect(ids(one)).toEqual(['l5', 'l4']);
    // A lease that started earlier than every one seen is folded between the two reads.
    await redis.zadd(key, 5, 'l0');
    const two = await readSetPage(args(2, one.pageInfo.endCursor), set, read, 'newest first', LEASES);
    expect(ids(two)).toEqual(['l3', 'l2']);
    const three = await readSetPage(args(2, two.pageInfo.endCursor), set, read, 'newest first', LEASES);
    expect(ids(three)).toEqual(['l1', 'l0']);
    expect(three.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(three.totalCount).toBe(6);
    // A cursor that is a position alone (what every page had) skips l3 here.
    const ledger: CursorList = { field: 'Account.ledger', of: 'acc-1' };
    const byPosition = await readPage(
      args(2, encodeCursor(ledger, { position: 3 })),
      6,
      async (from, to) => redis.zrange(key, from, to),
      ledger,
    );
    expect(byPosition.edges.map((e) => e.node)).toEqual(['l2', 'l1']);
  });

  it('newest first: an item inserted just below the last one seen comes next', async () => {
    const one = await readSetPage(args(2), set, read, 'newest first', LEASES);
    await redis.zadd(key, 35, 'l3b');
    const two = await readSetPage(args(2, one.pageInfo.endCursor), set, read, 'newest first', LEASES);
    expect(ids(two)).toEqual(['l3b', 'l3']);
  });

  it('oldest first: an item inserted below the last one seen repeats nothing', async () => {
    const one = await readSetPage(args(2), set, read, 'oldest first', LEASES);
    expect(ids(one)).toEqual(['l1', 'l2']);
    await redis.zadd(key, 5, 'l0');
    const two = await readSetPage(args(2, one.pageInfo.endCursor), set, read, 'oldest first', LEASES);
    expect(ids(two)).toEqual(['l3', 'l4']);
    const three = await readSetPage(args(2, two.pageInfo.endCursor), set, read, 'oldest first', LEASES);
    expect(ids(three)).toEqual(['l5']);
    expect(three.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    // A cursor that is a position alone (l2's, 1) would go on from 2, where l2 stands now.
    expect(await redis.zrange(key, 2, 3)).toEqual(['l2', 'l3']);
  });

  it("goes on from the position of an item gone since; an old position cursor (i:<n>) is not a sorted set's", async () => {
    const one = await readSetPage(args(2), set, read, 'oldest first', LEASES);
    await redis.zrem(key, 'l2');
    const two = await readSetPage(args(2, one.pageInfo.endCursor), set, read, 'oldest first', LEASES);
    // l2 stood at 1: on from position 2, as a position cursor goes on (l3, moved into l2's place, is passed).
    expect(ids(two)).toEqual(['l4', 'l5']);
    // i:1 is what a ledger, a trade log or a node's certifications gives out (myFills(after: "aTox")
    // was answered a page): which list gave it out cannot be told, so a sorted set reads none.
    const old = Buffer.from('i:1').toString('base64url');
    await expect(readSetPage(args(2, old), set, read, 'oldest first', LEASES)).rejects.toMatchObject({
      message:
        'after was given out by another list, not by this one: pass the endCursor of a page of this list',
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
    });
    await expect(readSetPage(args(2, 'nonsense'), set, read, 'oldest first', LEASES)).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
    });
  });

  it('leaves out a member read as null (gone since), keeping the others their cursors', async () => {
    const page = await readSetPage(
      args(3),
      set,
      async (ms) => ms.map((m) => (m === 'l4' ? null : m)),
      'newest first',
      LEASES,
    );
    expect(ids(page)).toEqual(['l5', 'l3']);
    const next = await readSetPage(args(3, page.pageInfo.endCursor), set, read, 'newest first', LEASES);
    expect(ids(next)).toEqual(['l2', 'l1']);
  });

  it('a filtered list (keptOf, pageAt): an item inserted below the last one seen repeats nothing', async () => {
    const odd = (m: string) => Number(m.slice(1)) % 2 === 1;
    const filtered = async (after?: string | null) =>
      pageAt(args(1, after), await keptOf(set, read, odd), 'oldest first', set.rank, LEASES);
    const one = await filtered();
    expect(ids(one)).toEqual(['l1']);
    await redis.zadd(key, 5, 'l7');
    const two = await filtered(one.pageInfo.endCursor);
    expect(ids(two)).toEqual(['l3']);
    const three = await filtered(two.pageInfo.endCursor);
    expect(ids(three)).toEqual(['l5']);
    expect(three.pageInfo.hasNextPage).toBe(false);
  });

  it("refuses another list's cursor, and reads a member cursor from before cursors named their list only if its member is in the set", async () => {
    const another = (which: string) => ({
      message: `after was given out by another list${which}, not by this one: pass the endCursor of a page of this list`,
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
    });
    // A markets cursor in myOrders was answered edges [] with hasPreviousPage true.
    const markets = await readSetPage(args(2), set, read, 'oldest first', { field: 'markets' });
    await expect(
      readSetPage(args(2, markets.pageInfo.endCursor), set, read, 'newest first', LEASES),
    ).rejects.toMatchObject(another(' (markets)'));
    const fills: CursorList = { field: 'myFills', of: 'acc-1' };
    const asFills = await readSetPage(args(2), set, read, 'newest first', fills);
    await expect(
      readSetPage(args(2, asFills.pageInfo.endCursor), set, read, 'newest first', LEASES),
    ).rejects.toMatchObject(another(' (myFills)'));
    const otherAccount: CursorList = { field: 'myLeases', of: 'acc-2' };
    const theirs = await readSetPage(args(2), set, read, 'newest first', otherAccount);
    await expect(
      readSetPage(args(2, theirs.pageInfo.endCursor), set, read, 'newest first', LEASES),
    ).rejects.toMatchObject(another(' (myLeases of another account)'));
    // m:<n>:<member>, as every sorted set gave them out before: its member in the set, read as
    // the list's own (l4 inserted meanwhile at 3 stands at 4 now); not in it, another list's.
    const legacy = (text: string) => Buffer.from(text).toString('base64url');
    await redis.zadd(key, 12, 'l1b');
    expect(ids(await readSetPage(args(2, legacy('m:3:l4')), set, read, 'newest first', LEASES))).toEqual([
      'l3',
      'l2',
    ]);
    await expect(
      readSetPage(args(2, legacy('m:0:h100')), set, read, 'newest first', LEASES),
    ).rejects.toMatchObject(another(''));
    await expect(
      pageAt(
        args(2, legacy('m:0:h100')),
        await keptOf(set, read, () => true),
        'oldest first',
        set.rank,
        LEASES,
      ),
    ).rejects.toMatchObject(another(''));
  });
});
