import { accept, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketEvent, MarketState } from '../market';
import { holdFor } from '@gpux/contracts';
import { isPowerBid } from '../rules/buying-power';
import { orderCancelled } from './order-cancelled';

/**
 * Its owner cancels an open order: what is left of it in the book (releasing what a bid still
 * holds, to its hold or to its account's buying power), or a bid awaiting its funds (whose hold, when it comes, is released at once).
 */
export function cancelOrder(
  command: MarketCommandOf<'orders.CancelOrder'>,
  state: MarketState,
): Decision<MarketEvent> {
  const { orderId, accountId } = command.data;
  const order = own(state.orders, orderId) ?? own(state.awaitingFunds, orderId)?.order;
  if (!order || !state.spec) return reject('NOT_FOUND', `order ${orderId} is not open`, 'orderId');
  if (order.accountId !== accountId)
    return reject('FORBIDDEN', `order ${orderId} belongs to another account`, 'orderId');
  if (own(state.awaitingFunds, orderId))
    return accept(orderCancelled(order, order.gpus, 'CANCELLED', 0, { inBook: false }));
  const gpus = state.book.remaining(orderId);
  return accept(
    orderCancelled(
      order,
      gpus,
      'CANCELLED',
      order.side === 'bid' ? holdFor(order, state.spec.feeRateBps, gpus) : 0,
      { fromPower: isPowerBid(state, orderId) },
    ),
  );
}
