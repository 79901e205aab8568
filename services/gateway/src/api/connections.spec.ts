import { checkPageArgs, PageArgs, pageAt, readPage, readSetPage } from './connections';
import type { CursorList } from './cursors';

const LEDGER: CursorList = { field: 'Account.ledger', of: 'acc-1' };
const NODES: CursorList = { field: 'nodes' };

const list = Array.from({ length: 5 }, (_, i) => `item${i}`); // oldest first
const read = async (from: number, to: number) => list.slice(from, to + 1);
const args = (first: number, after?: string): PageArgs => ({ first, ...(after ? { after } : {}) });
const nodes = <T>(p: { edges: { node: T }[] }) => p.edges.map((e) => e.node);

describe('a newest-first page of a list kept oldest first', () => {
  it('walks the list forward with full page info', async () => {
    const one = await readPage(args(2), list.length, read, LEDGER);
    expect(nodes(one)).toEqual(['item4', 'item3']);
    expect(one.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: one.edges[0]!.cursor,
      endCursor: one.edges[1]!.cursor,
    });
    const two = await readPage(args(2, one.pageInfo.endCursor), list.length, read, LEDGER);
    expect(nodes(two)).toEqual(['item2', 'item1']);
    expect(two.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const three = await readPage(args(2, two.pageInfo.endCursor), list.length, read, LEDGER);
    expect(nodes(three)).toEqual(['item0']);
    expect(three.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(three.totalCount).toBe(5);
  });

  it('has no cursors on an empty page', async () => {
    expect((await readPage(args(2), 0, read, LEDGER)).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
    });
  });

  it('refuses a page size out of range and a cursor it did not give out, naming the argument', async () => {
    await expect(readPage(args(0), 5, read, LEDGER)).rejects.toMatchObject({
      extensions: { field: 'first' },
    });
    await expect(readPage(args(101), 5, read, LEDGER)).rejects.toMatchObject({
      extensions: { field: 'first' },
    });
    await expect(readPage(args(1, 'nonsense'), 5, read, LEDGER)).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
    });
  });

  it('reads nothing for a page it refuses, not even the length: a refusal costs 1 (size-ranges.ts)', async () => {
    const reads: string[] = [];
    const count = async () => (reads.push('count'), list.length);
    const counted = async (from: number, to: number) => (reads.push('read'), read(from, to));
    for (const [refused, field] of [
      [args(0), 'first'],
      [args(101), 'first'],
      [{ first: 1, after: '' }, 'after'],
      [args(1, 'nonsense'), 'after'],
    ] as const)
      await expect(readPage(refused, count, counted, LEDGER)).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', field },
      });
    expect(reads).toEqual([]);
    expect(nodes(await readPage(args(2), count, counted, LEDGER))).toEqual(['item4', 'item3']);
    expect(reads).toEqual(['count', 'read']);
  });

  it("refuses another list's cursor, of another field or of another account, naming after; reads its own", async () => {
    const mine = (await readPage(args(2), list.length, read, LEDGER)).pageInfo.endCursor;
    const theirs = (await readPage(args(2), list.length, read, { field: 'Account.ledger', of: 'acc-2' }))
      .pageInfo.endCursor;
    const trades = (await readPage(args(2), list.length, read, { field: 'Market.trades', of: 'h100' }))
      .pageInfo.endCursor;
    expect(nodes(await readPage(args(2, mine), list.length, read, LEDGER))).toEqual(['item2', 'item1']);
    for (const [after, which] of [
      [theirs, ' (Account.ledger of another account)'],
      [trades, ' (Market.trades)'],
      ['bTowOmgxMDA', ''], // m:0:h100, a markets cursor from before cursors named their list
    ] as const)
      await expect(readPage(args(2, after), list.length, read, LEDGER)).rejects.toMatchObject({
        message: `after was given out by another list${which}, not by this one: pass the endCursor of a page of this list`,
        extensions: { code: 'BAD_USER_INPUT', field: 'after' },
      });
    // i:3, a position cursor from before cursors named their list: the ledger's shape, read as one.
    expect(nodes(await readPage(args(2, 'aToz'), list.length, read, LEDGER))).toEqual(['item2', 'item1']);
  });
});

describe('a page of the items a filter kept', () => {
  const kept = [1, 3, 4, 8].map((position) => ({
    position,
    member: `m${position}`,
    node: `item${position}`,
  }));
  const nowhere = async () => null;

  it.each(['oldest first', 'newest first'] as const)('walks them %s', async (order) => {
    const one = await pageAt(args(3), kept, order, nowhere, NODES);
    const two = await pageAt(args(3, one.pageInfo.endCursor), kept, order, nowhere, NODES);
    const all = [...nodes(one), ...nodes(two)];
    expect(all).toEqual(
      order === 'oldest first' ? ['item1', 'item3', 'item4', 'item8'] : ['item8', 'item4', 'item3', 'item1'],
    );
    expect([one.pageInfo.hasNextPage, one.pageInfo.hasPreviousPage]).toEqual([true, false]);
    expect([two.pageInfo.hasNextPage, two.pageInfo.hasPreviousPage]).toEqual([false, true]);
    expect(one.totalCount).toBe(4);
  });

  it("continues past where the cursor's item stands now, kept or not, else where it stood", async () => {
    const one = await pageAt(args(2), kept, 'oldest first', nowhere, NODES); // item1, item3: the cursor is on m3, at 3
    // Two items listed before m3 since: it stands at 5, and the old position would repeat it.
    const moved = kept.map((k) => ({ ...k, position: k.position + 2 }));
    const two = await pageAt(args(2, one.pageInfo.endCursor), moved, 'oldest first', nowhere, NODES);
    expect(nodes(two)).toEqual(['item4', 'item8']);
    // m3 no longer matches the filter, and m2 was listed before it: the whole list ranks m3.
    const m2 = { position: 4, member: 'm2', node: 'item2' };
    const without = [moved[0]!, m2, ...moved.slice(2)];
    const ranked = await pageAt(
      args(2, one.pageInfo.endCursor),
      without,
      'oldest first',
      async (m) => (m === 'm3' ? 5 : null),
      NODES,
    );
    expect(nodes(ranked)).toEqual(['item4', 'item8']);
    // Gone from the list: from the position it had.
    const gone = await pageAt(args(2, one.pageInfo.endCursor), kept.slice(2), 'oldest first', nowhere, NODES);
    expect(nodes(gone)).toEqual(['item4', 'item8']);
  });

  it("refuses another list's cursor, and one from before cursors named their list whose member it does not hold", async () => {
    const markets = (await pageAt(args(2), kept, 'oldest first', nowhere, { field: 'markets' })).pageInfo
      .endCursor;
    const another = {
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
      message: expect.stringMatching(/^after was given out by another list/),
    };
    await expect(pageAt(args(2, markets), kept, 'oldest first', nowhere, NODES)).rejects.toMatchObject(
      another,
    );
    const legacy = (member: string) => Buffer.from(`m:3:${member}`).toString('base64url');
    // Kept (m3), or ranked in the whole list (m9): the list's own, read as it was.
    expect(nodes(await pageAt(args(2, legacy('m3')), kept, 'oldest first', nowhere, NODES))).toEqual([
      'item4',
      'item8',
    ]);
    const ranked = async (m: string) => (m === 'm9' ? 5 : null);
    expect(nodes(await pageAt(args(2, legacy('m9')), kept, 'oldest first', ranked, NODES))).toEqual([
      'item8',
    ]);
    // Neither: another list gave it out (a market, an order).
    await expect(pageAt(args(2, legacy('h100')), kept, 'oldest first', ranked, NODES)).rejects.toMatchObject(
      another,
    );
    await expect(pageAt(args(2, 'aTox'), kept, 'oldest first', ranked, NODES)).rejects.toMatchObject(another);
  });
});

describe('an empty cursor', () => {
  const set = {
    count: async () => list.length,
    slice: async (from: number, to: number) => list.slice(from, to + 1),
    rank: async (member: string) => (list.includes(member) ? list.indexOf(member) : null),
  };
  const kept = list.map((node, position) => ({ position, member: node, node }));
  const empty: PageArgs = { first: 2, after: '' };
  const notOurs = {
    message: 'after is not a cursor this API gave out',
    extensions: { code: 'BAD_USER_INPUT', field: 'after' },
  };

  it('is refused like any cursor this API never gave out, by every kind of page', async () => {
    await expect(readPage(empty, list.length, read, LEDGER)).rejects.toMatchObject(notOurs);
    await expect(readSetPage(empty, set, async (m) => m, 'newest first', NODES)).rejects.toMatchObject(
      notOurs,
    );
    await expect(pageAt(empty, kept, 'oldest first', set.rank, NODES)).rejects.toMatchObject(notOurs);
    expect(() => checkPageArgs(empty, NODES, 'members')).toThrow(expect.objectContaining(notOurs));
  });

  it('differs from none: a left-out or null after is the first page', async () => {
    const none = { first: 2, after: null } as unknown as PageArgs;
    expect(nodes(await readPage(none, list.length, read, LEDGER))).toEqual(['item4', 'item3']);
    expect(nodes(await readSetPage(none, set, async (m) => m, 'oldest first', NODES))).toEqual([
      'item0',
      'item1',
    ]);
    expect(nodes(await pageAt({ first: 2 }, kept, 'oldest first', set.rank, NODES))).toEqual([
      'item0',
      'item1',
    ]);
    expect(() => checkPageArgs(none, NODES, 'members')).not.toThrow();
  });

  it('is checked, with first, before a resolver reads anything (checkPageArgs)', () => {
    expect(() => checkPageArgs({ first: 2_147_483_647 }, NODES, 'members')).toThrow(
      expect.objectContaining({
        message: 'first must be 1 to 100',
        extensions: { code: 'BAD_USER_INPUT', field: 'first' },
      }),
    );
  });
});
