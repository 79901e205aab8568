import { PageArgs, pageAt, readPage } from './connections';

const list = Array.from({ length: 5 }, (_, i) => `item${i}`); // oldest first
const read = async (from: number, to: number) => list.slice(from, to + 1);
const args = (first: number, after?: string): PageArgs => ({ first, ...(after ? { after } : {}) });
const nodes = <T>(p: { edges: { node: T }[] }) => p.edges.map((e) => e.node);

describe('a newest-first page of a list kept oldest first', () => {
  it('walks the list forward with full page info', async () => {
    const one = await readPage(args(2), list.length, read);
    expect(nodes(one)).toEqual(['item4', 'item3']);
    expect(one.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: one.edges[0]!.cursor,
      endCursor: one.edges[1]!.cursor,
    });
    const two = await readPage(args(2, one.pageInfo.endCursor), list.length, read);
    expect(nodes(two)).toEqual(['item2', 'item1']);
    expect(two.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const three = await readPage(args(2, two.pageInfo.endCursor), list.length, read);
    expect(nodes(three)).toEqual(['item0']);
    expect(three.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(three.totalCount).toBe(5);
  });

  it('has no cursors on an empty page', async () => {
    expect((await readPage(args(2), 0, read)).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
    });
  });

  it('refuses a page size out of range and a cursor it did not give out, naming the argument', async () => {
    await expect(readPage(args(0), 5, read)).rejects.toMatchObject({ extensions: { field: 'first' } });
    await expect(readPage(args(101), 5, read)).rejects.toMatchObject({ extensions: { field: 'first' } });
    await expect(readPage(args(1, 'nonsense'), 5, read)).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
    });
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
    const one = await pageAt(args(3), kept, order, nowhere);
    const two = await pageAt(args(3, one.pageInfo.endCursor), kept, order, nowhere);
    const all = [...nodes(one), ...nodes(two)];
    expect(all).toEqual(
      order === 'oldest first' ? ['item1', 'item3', 'item4', 'item8'] : ['item8', 'item4', 'item3', 'item1'],
    );
    expect([one.pageInfo.hasNextPage, one.pageInfo.hasPreviousPage]).toEqual([true, false]);
    expect([two.pageInfo.hasNextPage, two.pageInfo.hasPreviousPage]).toEqual([false, true]);
    expect(one.totalCount).toBe(4);
  });

  it("continues past where the cursor's item stands now, kept or not, else where it stood", async () => {
    const one = await pageAt(args(2), kept, 'oldest first', nowhere); // item1, item3: the cursor is on m3, at 3
    // Two items listed before m3 since: it stands at 5, and the old position would repeat it.
    const moved = kept.map((k) => ({ ...k, position: k.position + 2 }));
    const two = await pageAt(args(2, one.pageInfo.endCursor), moved, 'oldest first', nowhere);
    expect(nodes(two)).toEqual(['item4', 'item8']);
    // m3 no longer matches the filter, and m2 was listed before it: the whole list ranks m3.
    const m2 = { position: 4, member: 'm2', node: 'item2' };
    const without = [moved[0]!, m2, ...moved.slice(2)];
    const ranked = await pageAt(args(2, one.pageInfo.endCursor), without, 'oldest first', async (m) =>
      m === 'm3' ? 5 : null,
    );
    expect(nodes(ranked)).toEqual(['item4', 'item8']);
    // Gone from the list: from the position it had.
    const gone = await pageAt(args(2, one.pageInfo.endCursor), kept.slice(2), 'oldest first', nowhere);
    expect(nodes(gone)).toEqual(['item4', 'item8']);
  });
});
