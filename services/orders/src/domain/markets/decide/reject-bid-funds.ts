import { accept, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketEvent, MarketState } from '../market';
import { orderCancelled } from './order-cancelled';

/** Settlement refused a bid's hold: the bid is cancelled, holding nothing to release. */
export function rejectBidFunds(
  command: MarketCommandOf<'orders.RejectBidFunds'>,
  state: MarketState,
): Decision<MarketEvent> {
  const waiting = own(state.awaitingFunds, command.data.orderId);
  if (!waiting) return reject('NOT_FOUND', `bid ${command.data.orderId} is not awaiting funds`, 'orderId');
  return accept(orderCancelled(waiting.order, waiting.order.gpus, 'FUNDS_REJECTED', 0, { inBook: false }));
}
