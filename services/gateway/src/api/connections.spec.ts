import { PageArgs, pageAt, readPage, readPageOldestFirst } from './connections';

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

describe('an oldest-first page', () => {
  it('walks the list forward, and keeps its place while items are added at the end', async () => {
    const one = await readPageOldestFirst(args(2), list.length, read);
    expect(nodes(one)).toEqual(['item0', 'item1']);
    expect(one.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const longer = [...list, 'item5'];
    const two = await readPageOldestFirst(args(4, one.pageInfo.endCursor), longer.length, async (f, t) =>
      longer.slice(f, t + 1),
    );
    expect(nodes(two)).toEqual(['item2', 'item3', 'item4', 'item5']);
    expect(two.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('leaves out items gone since (read as null), keeping the others their cursors', async () => {
    const page = await readPageOldestFirst(args(3), 3, async () => ['a', null, 'c']);
    expect(nodes(page)).toEqual(['a', 'c']);
    expect(page.pageInfo.hasNextPage).toBe(false);
  });
});

describe('a page of the items a filter kept', () => {
  const kept = [1, 3, 4, 8].map((position) => ({ position, node: `item${position}` }));

  it.each(['oldest first', 'newest first'] as const)('walks them %s', (order) => {
    const one = pageAt(args(3), kept, order);
    const two = pageAt(args(3, one.pageInfo.endCursor), kept, order);
    const all = [...nodes(one), ...nodes(two)];
    expect(all).toEqual(
      order === 'oldest first' ? ['item1', 'item3', 'item4', 'item8'] : ['item8', 'item4', 'item3', 'item1'],
    );
    expect([one.pageInfo.hasNextPage, one.pageInfo.hasPreviousPage]).toEqual([true, false]);
    expect([two.pageInfo.hasNextPage, two.pageInfo.hasPreviousPage]).toEqual([false, true]);
    expect(one.totalCount).toBe(4);
  });
});
