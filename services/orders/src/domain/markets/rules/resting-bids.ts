import type { Order, RejectionCode } from '@gpux/contracts';
import type { MarketState } from '../market';

/**
 * The most bids one account may have resting in one market, unless the orders service is told
 * otherwise (MAX_RESTING_BIDS_PER_ACCOUNT): the market's book is what every decision and every
 * snapshot of the market carries, and a bid is bounded only by its account's funds (an ask, by
 * its node's free GPUs), so without it one account could grow a market's book without end.
 */
export const MAX_RESTING_BIDS = 1_000;

/**
 * The resting-bids rule: a GTC bid (one that may rest) from an account that has `limit` bids
 * resting in the market is refused, TOO_MANY_OPEN_ORDERS on `marketId`. IOC and FOK bids never
 * rest, so they are never refused by it, whatever the account has resting.
 */
export function restingBidsRefusal(
  order: Order,
  state: MarketState,
  limit: number,
): { code: RejectionCode; message: string; field: string } | undefined {
  if (order.side !== 'bid' || order.timeInForce !== 'GTC') return undefined;
  const resting = state.book.restingBidsOf(order.accountId);
  if (resting < limit) return undefined;
  return {
    code: 'TOO_MANY_OPEN_ORDERS',
    message: `you have ${resting} bids resting in market ${state.spec?.marketId ?? order.marketId}, the most one account may: cancel some, or bid IOC or FOK (they never rest)`,
    field: 'marketId',
  };
}
