import { LIVE_ORDER_STATUSES } from '@gpux/contracts';
import type { OrdersFilter, Side } from './orders.views';

/**
 * Which of an account's order indexes (orders' read model) a myOrders filter reads: one that holds
 * every order the filter can keep, the same one for the same filter (its cursors must mean the
 * same on every page). A status reads its own index (the live orders for a status with GPUs left,
 * the filled or the cancelled ones; `live: true` the live ones), and what it holds is then read and
 * filtered in full, so such a filter costs the size of its index, not of the account's history
 * (`live: false` reads the index the rest of the filter names, filtered the same way). Without a
 * status, a market, a side, both or neither read the index of exactly those orders, which is
 * paged as it stands: its orders are listed by creation time and never leave it (a cursor names
 * its order, and the next page starts where that order stands, whatever was listed before it
 * since).
 */
export type OrderIndex =
  | { kind: 'live' }
  | { kind: 'filled' }
  | { kind: 'cancelled' }
  | { kind: 'market'; marketId: string }
  | { kind: 'side'; side: Side; marketId?: string }
  | { kind: 'all' };

/**
 * Why a filter can match no order whatever the account holds (`live: true` with a finished status,
 * `live: false` with a live one), or undefined: such a filter is refused, not answered empty.
 */
export function contradictoryFilter(filter: OrdersFilter): string | undefined {
  if (typeof filter.live !== 'boolean' || !filter.status) return undefined;
  if (LIVE_ORDER_STATUSES.includes(filter.status) === filter.live) return undefined;
  return `live: ${filter.live} and status: ${filter.status} never hold together (${LIVE_ORDER_STATUSES.join(', ')} are the live statuses): give one of them`;
}

/**
 * Whose list a `myOrders` cursor is (its `of`) where the page is of an index (no status, no
 * `live`): the account's for all its orders, whose positions are the account's own (as every
 * scanned filter's cursor holds), and the account's and index's for a market's or a side's, whose
 * positions are that index's. A cursor of one market read in another's index fell back to its
 * position there when its order was not in it, and silently skipped most of the other market.
 */
export function orderListOf(accountId: string, index: OrderIndex): string {
  if (index.kind === 'all') return accountId;
  const market = 'marketId' in index ? (index.marketId ?? '') : '';
  const side = index.kind === 'side' ? index.side : '';
  return `${accountId}|${index.kind}|${market}|${side}`;
}

export function orderIndexFor(filter: OrdersFilter): OrderIndex {
  if (filter.status && LIVE_ORDER_STATUSES.includes(filter.status)) return { kind: 'live' };
  if (filter.status === 'FILLED') return { kind: 'filled' };
  if (filter.status === 'CANCELLED') return { kind: 'cancelled' };
  // Only the live ones; the finished ones (live: false) are every order but those: read below.
  if (filter.live === true) return { kind: 'live' };
  if (filter.side)
    return { kind: 'side', side: filter.side, ...(filter.marketId ? { marketId: filter.marketId } : {}) };
  if (filter.marketId) return { kind: 'market', marketId: filter.marketId };
  return { kind: 'all' };
}

/**
 * What an index kept, at each order's position among all the account's orders (`positions`, in
 * the same order), oldest first as pageAt wants them; an order not listed there is left out.
 */
export function atAccountPositions<K extends object>(
  kept: K[],
  positions: (number | null | undefined)[],
): (K & { position: number })[] {
  return kept
    .flatMap((item, i) => {
      const position = positions[i];
      return position === null || position === undefined ? [] : [{ ...item, position }];
    })
    .sort((a, b) => a.position - b.position);
}
