// Paging through the API's connections (Relay cursor connections: first, after, pageInfo,
// totalCount), so that no list the console shows is cut short without a word. A list is shown a
// page at a time: the page read with `after` the last of the cursors that led to it (none on the
// first), and a pager that says which of how many it shows and moves to the next page (after its
// endCursor) or back. A cursor names the item it is on, so a page stays where it is as items are
// added before it (a newest-first list's new items go to its first page). A list the console needs
// whole (the markets, for the menu and the order form) is read page after page up to a bound
// instead, and says how many of how many it holds where it holds fewer than the API has.

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

/** Where a paged list stands: its page size, and the endCursors of the pages before the one shown. */
export interface Paging {
  readonly size: number;
  readonly cursors: readonly string[];
}

/** A list's first page. */
export const firstPage = (size: number): Paging => ({ size, cursors: [] });

/** The `after` that reads the page: the endCursor of the page before it, null for the first. */
export const afterOf = (paging: Paging): string | null => paging.cursors[paging.cursors.length - 1] ?? null;

/** The page after `paging`, whose read said `read`; null where nothing follows it. */
export function nextPage(paging: Paging, read: PageInfo): Paging | null {
  if (!read.hasNextPage || read.endCursor === null) return null;
  return { size: paging.size, cursors: [...paging.cursors, read.endCursor] };
}

/** The page before `paging`; null on the first. */
export function previousPage(paging: Paging): Paging | null {
  return paging.cursors.length === 0 ? null : { size: paging.size, cursors: paging.cursors.slice(0, -1) };
}

/**
 * Which items of how many the page read shows, e.g. "21–40 of 57 nodes"; null where the first page
 * holds the whole list (no pager is shown then). The pages before it were full (each said a page
 * followed), so the first item shown is the one after theirs, as they were read.
 */
export function pageCaption(paging: Paging, read: Connection<unknown>, noun: string): string | null {
  if (paging.cursors.length === 0 && !read.pageInfo.hasNextPage) return null;
  const before = paging.cursors.length * paging.size;
  const shown = read.edges.length;
  if (shown === 0) return `none after the first ${before} of ${read.totalCount} ${noun}`;
  return `${before + 1}–${before + shown} of ${read.totalCount} ${noun}`;
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
