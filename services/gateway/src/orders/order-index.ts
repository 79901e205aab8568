import { LIVE_ORDER_STATUSES } from '@gpux/contracts';
import type { OrdersFilter } from './orders.views';

/**
 * Which of an account's order indexes (orders' read model) a myOrders filter reads: one that holds
 * every order the filter can keep, the same one for the same filter (its cursors must mean the
 * same on every page). A status reads its own index (the live orders for a status with GPUs left,
 * the filled or the cancelled ones), a market alone that market's orders, anything else all the
 * account's orders. What the index holds is then read and filtered in full, so a filter costs the
 * size of its index, not of the account's history.
 */
export type OrderIndex =
  | { kind: 'live' }
  | { kind: 'filled' }
  | { kind: 'cancelled' }
  | { kind: 'market'; marketId: string }
  | { kind: 'all' };

export function orderIndexFor(filter: OrdersFilter): OrderIndex {
  if (filter.status && LIVE_ORDER_STATUSES.includes(filter.status)) return { kind: 'live' };
  if (filter.status === 'FILLED') return { kind: 'filled' };
  if (filter.status === 'CANCELLED') return { kind: 'cancelled' };
  if (filter.marketId) return { kind: 'market', marketId: filter.marketId };
  return { kind: 'all' };
}

/**
 * Whether an index lists its orders as all the account's orders do (by creation time) and never
 * loses one, so that a position in it is a cursor that keeps its meaning. The others' positions
 * are translated into positions among all the account's orders.
 */
export const positionsAreCursors = (index: OrderIndex): boolean =>
  index.kind === 'all' || index.kind === 'market';

/**
 * What an index kept, at each order's position among all the account's orders (`positions`, in
 * the same order), oldest first as pageAt wants them; an order not listed there is left out.
 */
export function atAccountPositions<T>(
  kept: { node: T }[],
  positions: (number | null | undefined)[],
): { position: number; node: T }[] {
  return kept
    .flatMap(({ node }, i) => {
      const position = positions[i];
      return position === null || position === undefined ? [] : [{ position, node }];
    })
    .sort((a, b) => a.position - b.position);
}
