/**
 * When a market's book and ticker subscriptions end. A closed market never reopens: orders cancels
 * every resting order as it closes (close-market.ts) and refuses every new one, so once pricing's
 * read model has it closed with neither side holding a level, its book and its ticker's best bid
 * and ask never change again: what was read is the last state, sent as the subscription's last
 * message before it completes (graphql-ws `complete`), freeing its slot on the socket.
 *
 * Closed with levels left, the close's cancellations are still to be applied: each one publishes a
 * notice, and the read after the last comes to rest. The ticker's 24-hour figures (volume24h,
 * value24h, vwap24h) and its index still roll with time after the close, down to none, but no
 * notice ever announces a figure rolling (nor while the market is open): a subscription never sent
 * that, so ending it loses nothing; Market.ticker reads them as they stand.
 */
export function marketAtRest(status: 'open' | 'closed' | undefined, bids: number, asks: number): boolean {
  return status === 'closed' && bids === 0 && asks === 0;
}

/** Views read of a market at rest (weakly: gone with the view): each its subscription's last. */
const lastViews = new WeakSet<object>();

/** `view`, marked as its subscription's last message when `atRest`. */
export function markedLast<T extends object>(view: T, atRest: boolean): T {
  if (atRest) lastViews.add(view);
  return view;
}

/** Whether `view` is a subscription's last message (markedLast). */
export const isLastView = (view: unknown): boolean =>
  typeof view === 'object' && view !== null && lastViews.has(view);
