import { accept, acceptAll, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketContext, MarketEvent, MarketState } from '../market';
import { enterBook } from './enter-book';
import { orderCancelled } from './order-cancelled';

/**
 * Settlement holds a bid's funds: the bid enters the book (and trades). Cancelled while the hold
 * was being placed, or the market closed meanwhile: the hold is released at once.
 */
export function confirmBidFunds(
  command: MarketCommandOf<'orders.ConfirmBidFunds'>,
  state: MarketState,
  { now, hourMs }: MarketContext,
): Decision<MarketEvent> {
  const { orderId } = command.data;
  const late = own(state.cancelledAwaiting, orderId);
  const waiting = own(state.awaitingFunds, orderId);
  // Cancelled while its hold was being placed: release the hold at once.
  if (late) return accept(orderCancelled(late.order, late.order.gpus, 'CANCELLED', late.holdAmount, false));
  if (!waiting || !state.spec) return reject('NOT_FOUND', `bid ${orderId} is not awaiting funds`, 'orderId');
  if (!state.open)
    return accept(
      orderCancelled(waiting.order, waiting.order.gpus, 'MARKET_CLOSED', waiting.holdAmount, false),
    );
  return acceptAll(enterBook(state, waiting.order, now, hourMs));
}
