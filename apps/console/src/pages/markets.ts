// The markets, for the menu and the order form: read page after page (the API gives at most 100 a
// page), up to a bound, in the order they opened. Where there are more than the bound, the reader
// says how many of how many it holds (lib/paging.ts's shownOf).
import { gql } from '../api/client';
import { type Connection, PAGING_FIELDS, readUpTo, type ReadUpTo } from '../lib/paging';

/** Markets a read: the most the API gives. */
export const MARKETS_PAGE = 100;
/** The most markets the console lists. */
export const MARKETS_BOUND = 1_000;

/** The selection of a page of the markets, with `fields` of each. */
export const marketsPage = (fields: string): string =>
  `markets(first: ${MARKETS_PAGE}, after: $after) { edges { node { ${fields} } } ${PAGING_FIELDS} }`;

/**
 * The markets, with `fields` of each, up to the bound; `first` is their first page where a query
 * has read it already (read with `marketsPage`, no `after`).
 */
export function readMarkets<T>(fields: string, first?: Connection<T>): Promise<ReadUpTo<T>> {
  return readUpTo(
    async (after) =>
      after === null && first
        ? first
        : (
            await gql<{ markets: Connection<T> }>(`query($after: String) { ${marketsPage(fields)} }`, {
              after,
            })
          ).markets,
    MARKETS_BOUND,
  );
}
