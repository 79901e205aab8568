import { own } from '@gpux/eventsourcing/domain';
import type { MarketState } from '../market';

/**
 * The buying-power rule (docs/event-flows.md, "Buying power"): an account's buying power in the
 * market is what settlement set aside for its bids here (granted) less what it gave back and what
 * its bids use now; a bid whose worst case (holdFor) it covers is funded from it, with no hold of
 * its own, and what the bid releases (a trade below its limit, a cancel) returns to it.
 */
export const powerOf = (state: Pick<MarketState, 'power'>, accountId: string): number =>
  own(state.power ?? {}, accountId) ?? 0;

/** Whether the bid in the book is funded by its account's buying power. */
export const isPowerBid = (state: Pick<MarketState, 'powerBids'>, orderId: string): boolean =>
  own(state.powerBids ?? {}, orderId) === true;
