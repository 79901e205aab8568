import { holdFor, type Order } from '@gpux/contracts';
import { Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { MarketEvent, MarketState } from '../market';
import { onTick } from '../rules/tick';

/** Why the market refuses an order, as its rejection says it. */
export type Refusal = Extract<Decision<MarketEvent>, { kind: 'rejected' }>;

/**
 * What every order must pass whoever funds it: an open market, its tick, an id of its own, and
 * for a bid, no node, a coherent minimum per node and a hold that can be counted. `undefined`: none
 * of these refuses it (an ask has its own checks after these).
 */
export function orderRefusal(order: Order, state: MarketState): Refusal | undefined {
  const spec = state.spec;
  const no = (code: Refusal['code'], message: string, field?: string) =>
    reject<MarketEvent>(code, message, field) as Refusal;
  if (!spec) return no('NOT_FOUND', `market ${order.marketId} does not exist`, 'marketId');
  if (!state.open) return no('MARKET_CLOSED', `market ${order.marketId} is closed`, 'marketId');
  if (!onTick(order.price, spec.tickSize))
    return no('BAD_USER_INPUT', `price must be a multiple of the tick size ${spec.tickSize}`, 'price');
  if (own(state.orders, order.orderId) || own(state.awaitingFunds, order.orderId))
    return no('ALREADY_EXISTS', `order ${order.orderId} already exists`, 'orderId');
  if (order.side !== 'bid') return undefined;
  if (order.nodeId) return no('BAD_USER_INPUT', 'a bid names no node', 'nodeId');
  if ((order.minGpusPerNode ?? 1) > order.gpus)
    return no('BAD_USER_INPUT', 'minGpusPerNode cannot exceed gpus', 'minGpusPerNode');
  if (!Number.isSafeInteger(holdFor(order, spec.feeRateBps)))
    return no('BAD_USER_INPUT', 'the order is too large to hold funds for', 'gpus');
  return undefined;
}
