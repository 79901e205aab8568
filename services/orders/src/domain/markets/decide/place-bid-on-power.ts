import { counted, dollars, holdFor, type Order } from '@gpux/contracts';
import { acceptAll, Decision, reject } from '@gpux/eventsourcing/domain';
import type { MarketContext, MarketEvent, MarketState } from '../market';
import { powerOf } from '../rules/buying-power';
import { enterBook } from './enter-book';
import { orderRefusal } from './order-refusal';

/**
 * A bid its placer funds from its account's buying power in this market (docs/event-flows.md,
 * "Buying power"): the same rules as any order, decided here alone. Its worst case (holdFor) is
 * taken from the buying power as it enters the book, and what it releases returns there; a
 * buying power short of it refuses it (INSUFFICIENT_FUNDS, saying what is there), and nothing
 * changes.
 */
export function placeBidOnPower(
  order: Order,
  state: MarketState,
  { now, hourMs, maxRestingBids }: MarketContext,
): Decision<MarketEvent> {
  if (order.side !== 'bid')
    return reject('BAD_USER_INPUT', 'only a bid is funded by buying power: an ask pays nothing', 'funding');
  const refused = orderRefusal(order, state, maxRestingBids);
  if (refused) return refused;
  const spec = state.spec!;
  const needed = holdFor(order, spec.feeRateBps);
  const power = powerOf(state, order.accountId);
  if (power < needed) {
    const value = order.gpus * order.hours * order.price;
    return reject(
      'INSUFFICIENT_FUNDS',
      `the bid needs ${dollars(needed)} of buying power for its worst case, ${counted(order.gpus, 'GPU')} × ${counted(order.hours, 'hour')} × ${dollars(order.price)} = ${dollars(value)}, plus a fee of ${dollars(needed - value)}; account ${order.accountId} has ${dollars(power)} of buying power in market ${spec.marketId} that its bids do not use: allot more (allotBuyingPower), bid for less, or cancel a resting bid on it`,
      'price',
      { available: power },
    );
  }
  return acceptAll(enterBook(state, order, now, hourMs, { powerUsed: needed }));
}
