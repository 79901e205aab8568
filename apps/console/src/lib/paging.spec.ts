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

/** What a page's read says of what follows it: its endCursor and whether more follow, and the total. */
const read = (endCursor: string | null, hasNextPage: boolean, totalCount = 57) => ({
  pageInfo: { endCursor, hasNextPage },
  totalCount,
});

describe('paging a connection', () => {
  it('reads the first page with no cursor, and each next one after the endCursor of the one before', () => {
    const first = firstPage(20);
    expect(afterOf(first)).toBeNull();
    const second = nextPage(first, read('c20', true))!;
    expect(afterOf(second)).toBe('c20');
    const third = nextPage(second, read('c40', true))!;
    expect(afterOf(third)).toBe('c40');
    expect(afterOf(previousPage(third)!)).toBe('c20');
    expect(afterOf(previousPage(second)!)).toBeNull();
  });

  it('has no page after one that says none follows, and none before the first', () => {
    expect(nextPage(firstPage(20), read('c7', false))).toBeNull();
    expect(nextPage(firstPage(20), read(null, true))).toBeNull();
    expect(previousPage(firstPage(20))).toBeNull();
  });

  it('keeps the total each page before was read with, and whether the list only grows', () => {
    const second = nextPage(firstPage(20, { onlyGrows: true }), read('c20', true, 57))!;
    const third = nextPage(second, read('c40', true, 59))!;
    expect(third).toEqual({ size: 20, cursors: ['c20', 'c40'], totals: [57, 59], onlyGrows: true });
    expect(previousPage(third)).toEqual(second);
    expect(firstPage(20)).toEqual({ size: 20, cursors: [], totals: [], onlyGrows: false });
  });
});

describe('pageCaption', () => {
  /** A list of 57 that only grows, read 20 a page: its second and third pages as they were reached. */
  const first = firstPage(20, { onlyGrows: true });
  const second = nextPage(first, read('c20', true, 57))!;
  const third = nextPage(second, read('c40', true, 57))!;

  it('gives the first page its positions, and no caption where it holds the whole list', () => {
    expect(pageCaption(first, page(1, 20, 57, true), 'nodes')).toBe('1–20 of 57 nodes');
    // Whatever was added: the first page is read from the list's start.
    expect(pageCaption(first, page(1, 20, 62, true), 'nodes')).toBe('1–20 of 62 nodes');
    expect(pageCaption(first, page(1, 7, 7, false), 'nodes')).toBeNull();
    expect(pageCaption(first, page(1, 0, 0, false), 'nodes')).toBeNull();
  });

  it('gives a later page of an unchanged list its positions', () => {
    expect(pageCaption(second, page(21, 20, 57, true), 'nodes')).toBe('21–40 of 57 nodes');
    expect(pageCaption(third, page(41, 17, 57, false), 'nodes')).toBe('41–57 of 57 nodes');
  });

  it('gives a page between the first and the last its number where items were added to the front', () => {
    // Five items came first since the first page was read: the second page shows what were items
    // 21–40, now 26–45, where counting the pages before said "21–40 of 62".
    expect(pageCaption(second, page(26, 20, 62, true), 'nodes')).toBe('page 2: 20 of 62 nodes');
    // The last page holds the list's last items whatever came before it: 46–62, not "41–57 of 62".
    expect(pageCaption(third, page(46, 17, 62, false), 'nodes')).toBe('46–62 of 62 nodes');
    // Five more came as the second page was left, and five more since: the third page's items
    // stand at 51–70 of 67, where counting the pages before said "41–60".
    const grownThird = nextPage(second, read('c40', true, 62))!;
    expect(pageCaption(grownThird, page(51, 20, 67, true), 'nodes')).toBe('page 3: 20 of 67 nodes');
  });

  it('gives a page its number where items left the list, and never a range beyond the total', () => {
    // An account's live orders (30 a page, 75): five filled since the first page was read.
    const orders = nextPage(firstPage(30), read('c30', true, 75))!;
    expect(pageCaption(orders, page(31, 30, 70, true), 'orders')).toBe('page 2: 30 of 70 orders');
    // The last page: the last 12 of the 45 left, not "31–42" (nor, counted from the pages before
    // as they were, "61–72 of 45" on a third page).
    expect(pageCaption(orders, page(34, 12, 45, false), 'orders')).toBe('34–45 of 45 orders');
    const ordersThird = nextPage(orders, read('c60', true, 75))!;
    expect(pageCaption(ordersThird, page(34, 12, 45, false), 'orders')).toBe('34–45 of 45 orders');
    // The total is what it was, but items may have left as others came: a list not declared to
    // only grow has no positions between the first page and the last.
    expect(pageCaption(orders, page(31, 30, 75, true), 'orders')).toBe('page 2: 30 of 75 orders');
    // The same for one declared to only grow whose total fell all the same.
    expect(pageCaption(second, page(21, 20, 50, true), 'nodes')).toBe('page 2: 20 of 50 nodes');
    // A read that says more items than its total (its reads are not one snapshot): no range.
    expect(pageCaption(second, page(21, 20, 15, true), 'nodes')).toBe('page 2: 20 nodes');
  });

  it('says that none follow on an empty later page, as many as the list holds now coming before it', () => {
    expect(pageCaption(third, page(41, 0, 40, false), 'nodes')).toBe('none after the first 40 of 40 nodes');
    expect(pageCaption(third, page(41, 0, 45, false), 'nodes')).toBe('none after the first 45 of 45 nodes');
    expect(pageCaption(third, page(41, 0, 0, false), 'nodes')).toBe('none of 0 nodes');
    // One that says more follow though it holds none (their records gone): its number, no range.
    expect(pageCaption(third, page(41, 0, 57, true), 'nodes')).toBe('page 3: none of 57 nodes');
  });

  it('is followed by the note of what the list shows of the page, as the pager shows it', () => {
    const trades = nextPage(firstPage(50, { onlyGrows: true }), read('c50', true, 51))!;
    const caption = (total: number, n: number, more: boolean) =>
      `${pageCaption(trades, page(51, n, total, more), 'trades')}, the sales among them shown`;
    expect(caption(51, 1, false)).toBe('51–51 of 51 trades, the sales among them shown');
    expect(caption(160, 50, true)).toBe('page 2: 50 of 160 trades, the sales among them shown');
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
