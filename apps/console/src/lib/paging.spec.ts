import {
  afterOf,
  type Connection,
  firstPage,
  nextPage,
  pageCaption,
  previousPage,
  readUpTo,
  shownOf,
} from './paging';

/** A page of `n` items named from `from`, as the API answers it. */
const page = (from: number, n: number, totalCount: number, hasNextPage: boolean): Connection<string> => ({
  edges: Array.from({ length: n }, (_, i) => ({ node: `i${from + i}` })),
  pageInfo: { endCursor: n ? `c${from + n - 1}` : null, hasNextPage },
  totalCount,
});

describe('paging a connection', () => {
  it('reads the first page with no cursor, and each next one after the endCursor of the one before', () => {
    const first = firstPage(20);
    expect(afterOf(first)).toBeNull();
    const second = nextPage(first, { endCursor: 'c20', hasNextPage: true })!;
    expect(afterOf(second)).toBe('c20');
    const third = nextPage(second, { endCursor: 'c40', hasNextPage: true })!;
    expect(afterOf(third)).toBe('c40');
    expect(afterOf(previousPage(third)!)).toBe('c20');
    expect(afterOf(previousPage(second)!)).toBeNull();
  });

  it('has no page after one that says none follows, and none before the first', () => {
    expect(nextPage(firstPage(20), { endCursor: 'c7', hasNextPage: false })).toBeNull();
    expect(nextPage(firstPage(20), { endCursor: null, hasNextPage: true })).toBeNull();
    expect(previousPage(firstPage(20))).toBeNull();
  });

  it('says which items of how many a page shows, and nothing where the first page holds them all', () => {
    const first = firstPage(20);
    expect(pageCaption(first, page(1, 20, 57, true), 'nodes')).toBe('1–20 of 57 nodes');
    const second = nextPage(first, { endCursor: 'c20', hasNextPage: true })!;
    expect(pageCaption(second, page(21, 20, 57, true), 'nodes')).toBe('21–40 of 57 nodes');
    const third = nextPage(second, { endCursor: 'c40', hasNextPage: true })!;
    expect(pageCaption(third, page(41, 17, 57, false), 'nodes')).toBe('41–57 of 57 nodes');
    expect(pageCaption(first, page(1, 7, 7, false), 'nodes')).toBeNull();
    expect(pageCaption(first, page(1, 0, 0, false), 'nodes')).toBeNull();
    // The items after the cursor went meanwhile: the page says so rather than a range.
    expect(pageCaption(third, page(41, 0, 40, false), 'nodes')).toBe('none after the first 40 of 40 nodes');
  });
});

describe('readUpTo', () => {
  /** A connection of `total` items, read `size` at a time; the cursors each read was given. */
  const list = (total: number, size: number) => {
    const afters: (string | null)[] = [];
    const read = (after: string | null) => {
      afters.push(after);
      const from = after === null ? 1 : Number(after.slice(1)) + 1;
      const n = Math.max(0, Math.min(size, total - from + 1));
      return Promise.resolve(page(from, n, total, from + n - 1 < total));
    };
    return { read, afters };
  };

  it('reads page after page, each after the one before, until none follows', async () => {
    const { read, afters } = list(250, 100);
    const all = await readUpTo(read, 1_000);
    expect(all.items).toHaveLength(250);
    expect(all.items[0]).toBe('i1');
    expect(all.items[249]).toBe('i250');
    expect(all).toMatchObject({ totalCount: 250, complete: true });
    expect(afters).toEqual([null, 'c100', 'c200']);
  });

  it('stops at the bound, and says it holds fewer than the API has', async () => {
    const { read, afters } = list(450, 100);
    const some = await readUpTo(read, 300);
    expect(some.items).toHaveLength(300);
    expect(some).toMatchObject({ totalCount: 450, complete: false });
    expect(afters).toEqual([null, 'c100', 'c200']);
    expect((await readUpTo(list(350, 100).read, 250)).items).toHaveLength(250);
  });

  it('reads one page where it holds them all, an empty one too', async () => {
    const { read, afters } = list(30, 100);
    expect(await readUpTo(read, 1_000)).toMatchObject({ totalCount: 30, complete: true });
    expect(afters).toEqual([null]);
    expect(await readUpTo(list(0, 100).read, 1_000)).toEqual({ items: [], totalCount: 0, complete: true });
  });
});

describe('shownOf', () => {
  it('says how many of how many are shown where fewer are than the API has', () => {
    expect(shownOf(20, 57, 'certifications')).toBe('showing 20 of 57 certifications');
    expect(shownOf(20, 20, 'certifications')).toBeNull();
    expect(shownOf(3, 3, 'certifications')).toBeNull();
  });
});
