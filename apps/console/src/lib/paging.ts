// Paging through the API's connections (Relay cursor connections: first, after, pageInfo,
// totalCount), so that no list the console shows is cut short without a word. A list is shown a
// page at a time: the page read with `after` the last of the cursors that led to it (none on the
// first), and a pager that says what it shows of how many and moves to the next page (after its
// endCursor) or back. A cursor names the item it is on, so a page stays where it is as items are
// added before it (a newest-first list's new items go to its first page). A list the console needs
// whole (the markets, for the menu and the order form) is read page after page up to a bound
// instead, and says how many of how many it holds where it holds fewer than the API has.
//
// The pager's caption (pageCaption) claims only what the reads show, whatever happened to the list
// since the pages before were read. The API says how many items the list has (totalCount), not
// how many come before a cursor, so a later page's positions cannot be read, only worked out:
// - The first page's are exact: "1–20 of 57 nodes".
// - A page that nothing follows (hasNextPage false) holds the list's last items, as that read
//   found them: "41–57 of 57", counted from the end, are its positions whatever was added or
//   removed before it meanwhile; an empty one says that every item comes before it ("none after
//   the first 40 of 40 nodes").
// - A page between them counts the pages before it ("21–40 of 57": each page before, which said
//   more followed, covered a page's size of positions) only where that count still holds: the list
//   only grows (it is declared so, firstPage's onlyGrows: no item ever leaves it) and the read of
//   each page before, as the console moved on from it, said the same totalCount as this one, so
//   nothing was added since either. Else the page says which page it is and how many of how many
//   it shows ("page 2: 20 of 62 nodes"), which stays true. Items both leave and arrive in some
//   lists (an account's live orders: an order that fills leaves them): an unchanged total there
//   could hide as many items gone as come, which is why positions need the declaration, not the
//   total alone. A newest-first list (trades, fills, leases, orders, certification history) takes
//   its new items at the front, before every later page, and a list of nodes (oldest first, by
//   registration) may take one anywhere: counted from the front, either would have numbered a
//   later page as if the pages before were as they were read, off by what was added meanwhile
//   ("41–60 of 45", an item counted twice).
// No caption shows a range that ends beyond the total, or one where a read said more items than
// the total (its reads are not one snapshot): such a page says how many it shows.

export interface PageInfo {
  endCursor: string | null;
  hasNextPage: boolean;
}

/** A page of a connection as the console selects it. */
export interface Connection<T> {
  edges: readonly { node: T }[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** The selection of a connection's paging fields, after its edges. */
export const PAGING_FIELDS = 'totalCount pageInfo { endCursor hasNextPage }';

/**
 * Where a paged list stands: its page size, the endCursors of the pages before the one shown, the
 * totalCount each of those pages was read with as the console moved on from it, and whether the
 * list only grows (no item ever leaves it).
 */
export interface Paging {
  readonly size: number;
  readonly cursors: readonly string[];
  readonly totals: readonly number[];
  readonly onlyGrows: boolean;
}

/**
 * A list's first page. `onlyGrows` declares that no item ever leaves the list (items may come
 * anywhere): a later page may then give its positions while the total stays as it was.
 */
export const firstPage = (size: number, { onlyGrows = false }: { onlyGrows?: boolean } = {}): Paging => ({
  size,
  cursors: [],
  totals: [],
  onlyGrows,
});

/** The `after` that reads the page: the endCursor of the page before it, null for the first. */
export const afterOf = (paging: Paging): string | null => paging.cursors[paging.cursors.length - 1] ?? null;

/** The page after `paging`, whose read said `read`; null where nothing follows it. */
export function nextPage(
  paging: Paging,
  read: Pick<Connection<unknown>, 'pageInfo' | 'totalCount'>,
): Paging | null {
  const { endCursor, hasNextPage } = read.pageInfo;
  if (!hasNextPage || endCursor === null) return null;
  return {
    ...paging,
    cursors: [...paging.cursors, endCursor],
    totals: [...paging.totals, read.totalCount],
  };
}

/** The page before `paging`; null on the first. */
export function previousPage(paging: Paging): Paging | null {
  return paging.cursors.length === 0
    ? null
    : { ...paging, cursors: paging.cursors.slice(0, -1), totals: paging.totals.slice(0, -1) };
}

/**
 * What the page read shows of how many (the file's header says why each form is true): "1–20 of
 * 57 nodes" on the first page, "41–57 of 57 nodes" on the last, "21–40 of 57 nodes" on one between
 * where the list is known not to have changed since the pages before were read, "page 2: 20 of 62
 * nodes" where it may have; null where the first page holds the whole list (no pager is shown
 * then).
 */
export function pageCaption(paging: Paging, read: Connection<unknown>, noun: string): string | null {
  const pagesBefore = paging.cursors.length;
  const last = !read.pageInfo.hasNextPage;
  if (pagesBefore === 0 && last) return null;
  const total = read.totalCount;
  const shown = read.edges.length;
  const range = (from: number, to: number) => `${from}–${to} of ${total} ${noun}`;
  // Nothing follows the item the page was read after: every item of the list comes before it.
  if (shown === 0 && last)
    return total === 0 ? `none of 0 ${noun}` : `none after the first ${total} of ${total} ${noun}`;
  if (shown > 0 && shown <= total) {
    if (pagesBefore === 0) return range(1, shown);
    const before = pagesBefore * paging.size;
    const unchanged = paging.onlyGrows && paging.totals.every((t) => t === total);
    if (unchanged && before + shown <= total) return range(before + 1, before + shown);
    if (last) return range(total - shown + 1, total);
  }
  const page = `page ${pagesBefore + 1}`;
  if (shown === 0) return `${page}: none of ${total} ${noun}`;
  return shown <= total ? `${page}: ${shown} of ${total} ${noun}` : `${page}: ${shown} ${noun}`;
}

/** What a list read up to a bound holds: its items, how many the API has, and whether that is all. */
export interface ReadUpTo<T> {
  items: T[];
  totalCount: number;
  complete: boolean;
}

/**
 * Reads a connection page after page, each after the endCursor of the one before (`read(after)`),
 * until none follows or `bound` items are read: at most `bound` items, in the connection's order.
 */
export async function readUpTo<T>(
  read: (after: string | null) => Promise<Connection<T>>,
  bound: number,
): Promise<ReadUpTo<T>> {
  const items: T[] = [];
  let after: string | null = null;
  for (;;) {
    const page: Connection<T> = await read(after);
    items.push(...page.edges.map((edge) => edge.node));
    // A page that says more follow but moves nothing on (no items, or the cursor it was read
    // after) ends the read: it would be read again and again.
    const done =
      !page.pageInfo.hasNextPage ||
      page.pageInfo.endCursor === null ||
      page.edges.length === 0 ||
      page.pageInfo.endCursor === after;
    if (done || items.length >= bound)
      return {
        items: items.slice(0, bound),
        totalCount: Math.max(page.totalCount, items.length),
        complete: done && items.length <= bound,
      };
    after = page.pageInfo.endCursor;
  }
}

/** "showing 20 of 57 certifications" where fewer are shown than the API has; null where all are. */
export function shownOf(shown: number, totalCount: number, noun: string): string | null {
  return shown >= totalCount ? null : `showing ${shown} of ${totalCount} ${noun}`;
}
