import { dollars, type Order, type RejectionCode } from '@gpux/contracts';
import { accept, acceptAll, Decision } from '@gpux/eventsourcing/domain';
import type { MarketContext, MarketEvent, MarketState } from '../market';
import { fundedShortfall } from '../rules/funded-hold';
import { enterBook } from './enter-book';
import { orderRefusal } from './order-refusal';

/**
 * A bid settlement held `heldAmount` for before the market saw it (settlement placed it with its
 * FundsHeld, docs/event-flows.md): the same rules as any order, but a refusal is recorded
 * (FundedBidRefused), so that its hold is released in the same transaction, and so is a hold short
 * of what the market asks now. Accepted, it enters the book as a confirmed bid does, and what was
 * held above its worst case is released.
 */
export function placeFundedBid(
  order: Order,
  heldAmount: number,
  state: MarketState,
  { now, hourMs, maxRestingBids }: MarketContext,
): Decision<MarketEvent> {
  const refuse = (code: RejectionCode, message: string, field?: string) =>
    accept<MarketEvent>({
      type: 'orders.FundedBidRefused',
      data: { order, heldAmount, code, message, ...(field ? { field } : {}) },
    });
  // Only a bid is funded before it is placed; an ask sent so gets its hold back all the same.
  if (order.side !== 'bid')
    return refuse('BAD_USER_INPUT', 'only a bid is funded before it is placed', 'side');
  const refused = orderRefusal(order, state, maxRestingBids);
  if (refused) return refuse(refused.code, refused.message, refused.field);
  const spec = state.spec!;
  const hold = fundedShortfall(order, heldAmount, spec.feeRateBps);
  if (hold.short)
    return refuse(
      'BAD_USER_INPUT',
      `market ${spec.marketId} now holds ${dollars(hold.needed)} for this bid (fee ${spec.feeRateBps} bps), ${dollars(heldAmount)} was held: place it again`,
      'marketId',
    );
  return acceptAll(enterBook(state, order, now, hourMs, { heldAmount, holdReleased: hold.surplus }));
}
