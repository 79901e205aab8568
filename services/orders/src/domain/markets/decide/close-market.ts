import { acceptAll, Decision, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketEvent, MarketState } from '../market';
import { holdFor } from '@gpux/contracts';
import { orderCancelled } from './order-cancelled';

/** Closing an open market cancels every order in its book, releasing what bids still hold. */
export function closeMarket(
  command: MarketCommandOf<'orders.CloseMarket'>,
  state: MarketState,
): Decision<MarketEvent> {
  if (!state.spec) return reject('NOT_FOUND', `market ${command.data.marketId} does not exist`, 'marketId');
  if (!state.open)
    return reject('MARKET_CLOSED', `market ${command.data.marketId} is already closed`, 'marketId');
  const spec = state.spec;
  const cancels = Object.values(state.orders).map((o) => {
    const gpus = state.book.remaining(o.orderId);
    return orderCancelled(o, gpus, 'MARKET_CLOSED', o.side === 'bid' ? holdFor(o, spec.feeRateBps, gpus) : 0);
  });
  return acceptAll([{ type: 'orders.MarketClosed', data: command.data }, ...cancels]);
}
