import { acceptAll, Decision, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketEvent, MarketState } from '../market';
import { holdFor } from '@gpux/contracts';
import { isPowerBid } from '../rules/buying-power';
import { orderCancelled } from './order-cancelled';

/**
 * Closing an open market cancels every order in its book, releasing what bids still hold, and
 * gives every account's buying power back (what its bids held returns to it first).
 */
export function closeMarket(
  command: MarketCommandOf<'orders.CloseMarket'>,
  state: MarketState,
): Decision<MarketEvent> {
  if (!state.spec) return reject('NOT_FOUND', `market ${command.data.marketId} does not exist`, 'marketId');
  if (!state.open)
    return reject('MARKET_CLOSED', `market ${command.data.marketId} is already closed`, 'marketId');
  const spec = state.spec;
  const power = new Map(Object.entries(state.power ?? {}));
  const cancels = Object.values(state.orders).map((o) => {
    const gpus = state.book.remaining(o.orderId);
    const released = o.side === 'bid' ? holdFor(o, spec.feeRateBps, gpus) : 0;
    const fromPower = isPowerBid(state, o.orderId);
    if (fromPower) power.set(o.accountId, (power.get(o.accountId) ?? 0) + released);
    return orderCancelled(o, gpus, 'MARKET_CLOSED', released, { fromPower });
  });
  const returned: MarketEvent[] = [...power]
    .filter(([, amount]) => amount > 0)
    .map(([accountId, amount]) => ({
      type: 'orders.BuyingPowerReturned',
      data: { marketId: spec.marketId, accountId, amount, reason: 'MARKET_CLOSED' },
    }));
  return acceptAll([{ type: 'orders.MarketClosed', data: command.data }, ...cancels, ...returned]);
}
