import { accept, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketContext, MarketEvent, MarketState } from '../market';
import { uncertified } from '../rules/certified';
import { freeGpus } from '../rules/free-gpus';
import { holdFor } from '../rules/hold';
import { onTick } from '../rules/tick';
import { enterBook } from './enter-book';

/**
 * An order on the tick of an open market. A bid first asks settlement to hold its worst case (it
 * enters the book once funded); an ask of a certified node its provider owns, for GPUs the node has
 * free, enters the book at once.
 */
export function placeOrder(
  command: MarketCommandOf<'orders.PlaceOrder'>,
  state: MarketState,
  { now, hourMs }: MarketContext,
): Decision<MarketEvent> {
  const order = command.data;
  const spec = state.spec;
  if (!spec) return reject('NOT_FOUND', `market ${order.marketId} does not exist`, 'marketId');
  if (!state.open) return reject('MARKET_CLOSED', `market ${order.marketId} is closed`, 'marketId');
  if (!onTick(order.price, spec.tickSize))
    return reject('BAD_USER_INPUT', `price must be a multiple of the tick size ${spec.tickSize}`, 'price');
  if (own(state.orders, order.orderId) || own(state.awaitingFunds, order.orderId))
    return reject('ALREADY_EXISTS', `order ${order.orderId} already exists`, 'orderId');
  if (order.side === 'bid') {
    if (order.nodeId) return reject('BAD_USER_INPUT', 'a bid names no node', 'nodeId');
    if ((order.minGpusPerNode ?? 1) > order.gpus)
      return reject('BAD_USER_INPUT', 'minGpusPerNode cannot exceed gpus', 'minGpusPerNode');
    const holdAmount = holdFor(order, spec.feeRateBps);
    if (!Number.isSafeInteger(holdAmount))
      return reject('BAD_USER_INPUT', 'the order is too large to hold funds for', 'gpus');
    return accept({ type: 'orders.BidAwaitingFunds', data: { order, holdAmount } });
  }
  if (!order.nodeId) return reject('BAD_USER_INPUT', 'an ask must name the node it sells', 'nodeId');
  const node = own(state.nodes, order.nodeId);
  if (!node)
    return reject('NOT_FOUND', `node ${order.nodeId} is not registered in market ${spec.marketId}`, 'nodeId');
  if (node.providerId !== order.accountId)
    return reject('FORBIDDEN', `node ${order.nodeId} belongs to another provider`, 'nodeId');
  const notCertified = uncertified(node, spec, now);
  if (notCertified) return reject('NODE_NOT_CERTIFIED', notCertified, 'nodeId');
  const free = freeGpus(state, order.nodeId, now.getTime());
  if (order.gpus > free)
    return reject('BAD_USER_INPUT', `node ${order.nodeId} has ${free} GPUs free to offer`, 'gpus');
  return accept(...enterBook(state, order, now, hourMs));
}
