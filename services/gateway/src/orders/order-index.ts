import { LIVE_ORDER_STATUSES } from '@gpux/contracts';
import type { OrdersFilter } from './orders.views';

/**
 * Which of an account's order indexes (orders' read model) holds every order a filter can keep,
 * the smallest one known: its live orders for a status with GPUs left, its orders in one market,
 * or all its orders. What the index holds is then read and filtered in full, so a filter costs
 * the size of its index, not of the account's history.
 */
export type OrderIndex = { kind: 'live' } | { kind: 'market'; marketId: string } | { kind: 'all' };

export function orderIndexFor(filter: OrdersFilter): OrderIndex {
  if (filter.status && LIVE_ORDER_STATUSES.includes(filter.status)) return { kind: 'live' };
  if (filter.marketId) return { kind: 'market', marketId: filter.marketId };
  return { kind: 'all' };
}
