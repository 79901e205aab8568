import { accept, acceptAll, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketContext, MarketEvent, MarketState } from '../market';
import { restingBidsRefusal } from '../rules/resting-bids';
import { enterBook } from './enter-book';
import { orderCancelled } from './order-cancelled';

/**
 * Settlement holds a bid's funds (the older handshake: a PlaceOrder without heldAmount): the bid
 * enters the book (and trades). Cancelled while the hold was being placed, or the market closed
 * meanwhile: the hold is released at once. So it is for a bid that may rest from an account with
 * the most bids resting by now (the resting-bids rule, asked again here: a bid awaiting funds is
 * not in the book, so neither its own placement nor any other bid placed meanwhile counted it).
 */
export function confirmBidFunds(
  command: MarketCommandOf<'orders.ConfirmBidFunds'>,
  state: MarketState,
  { now, hourMs, maxRestingBids }: MarketContext,
): Decision<MarketEvent> {
  const { orderId } = command.data;
  const late = own(state.cancelledAwaiting, orderId);
  const waiting = own(state.awaitingFunds, orderId);
  // Cancelled while its hold was being placed: release the hold at once.
  if (late)
    return accept(
      orderCancelled(late.order, late.order.gpus, 'CANCELLED', late.holdAmount, { inBook: false }),
    );
  if (!waiting || !state.spec) return reject('NOT_FOUND', `bid ${orderId} is not awaiting funds`, 'orderId');
  if (!state.open)
    return accept(
      orderCancelled(waiting.order, waiting.order.gpus, 'MARKET_CLOSED', waiting.holdAmount, {
        inBook: false,
      }),
    );
  // Refused as the funded path refuses it (FundedBidRefused, TOO_MANY_OPEN_ORDERS), but this bid
  // is an order already (PENDING_FUNDS): it ends cancelled for that reason, never in the book, its
  // whole hold released. (Not CANCELLED: evolve would remember it as cancelled awaiting funds, and
  // a second ConfirmBidFunds would release its hold again.)
  if (restingBidsRefusal(waiting.order, state, maxRestingBids))
    return accept(
      orderCancelled(waiting.order, waiting.order.gpus, 'TOO_MANY_OPEN_ORDERS', waiting.holdAmount, {
        inBook: false,
      }),
    );
  return acceptAll(enterBook(state, waiting.order, now, hourMs));
}
