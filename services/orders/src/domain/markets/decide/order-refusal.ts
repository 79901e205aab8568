import { askRefusal, bidRefusal, marketRefusal, type Order } from '@gpux/contracts';
import { Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { MarketEvent, MarketState } from '../market';
import { restingBidsRefusal } from '../rules/resting-bids';

/** Why the market refuses an order, as its rejection says it. */
export type Refusal = Extract<Decision<MarketEvent>, { kind: 'rejected' }>;

/**
 * What every order must pass whoever funds it: an open market, its tick (the market rules, which
 * the gateway also applies before it holds a bid's funds), an id of its own, and for a bid, the
 * shape rules and room for one more resting bid of its account (`maxRestingBids`), for an ask,
 * its shape rule. `undefined`:
 * none of these refuses it (an ask has its own checks after these).
 */
export function orderRefusal(order: Order, state: MarketState, maxRestingBids: number): Refusal | undefined {
  const spec = state.spec;
  const market = spec ? { tickSize: spec.tickSize, open: state.open } : undefined;
  const refused =
    marketRefusal(order, market) ??
    (own(state.orders, order.orderId) || own(state.awaitingFunds, order.orderId)
      ? {
          code: 'ALREADY_EXISTS' as const,
          message: `order ${order.orderId} already exists`,
          field: 'orderId',
        }
      : undefined) ??
    (order.side === 'bid' ? bidRefusal(order, spec!.feeRateBps) : askRefusal(order)) ??
    restingBidsRefusal(order, state, maxRestingBids);
  return refused && (reject<MarketEvent>(refused.code, refused.message, refused.field) as Refusal);
}
