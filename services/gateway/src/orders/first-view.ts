import type { Paged } from '@gpux/read-models';

/**
 * The most live orders myOrderUpdated's first view sends. An account's asks, and its bids across
 * markets, have no cap (MAX_RESTING_BIDS_PER_ACCOUNT bounds its bids per market only): uncapped,
 * one subscription read and sent all of them. An account with more gets the newest this many; the
 * rest are in `myOrders(live: true)` (newest first: its pages past the first view's).
 */
export const FIRST_VIEW_MAX_ORDERS = 1_000;

/**
 * The order ids of myOrderUpdated's first view, from the account's live orders (a set oldest
 * first): the newest `max` of them, oldest first among themselves, as the view sends them.
 */
export const firstViewOrderIds = (live: Paged<string>, max = FIRST_VIEW_MAX_ORDERS): Promise<string[]> =>
  live.slice(-max, -1);
