import { holdFor } from '@gpux/contracts';
import { accept, acceptAll, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketContext, MarketEvent, MarketState } from '../market';
import { uncertified } from '../rules/certified';
import { nodeGpus, notFreeMessage } from '../rules/free-gpus';
import { enterBook } from './enter-book';
import { orderRefusal } from './order-refusal';
import { placeBidOnPower } from './place-bid-on-power';
import { placeFundedBid } from './place-funded-bid';

/**
 * An order on the tick of an open market. A bid settlement has already funded (heldAmount) enters
 * the book at once, or is refused with its hold released; a bid on its account's buying power here
 * (fromPower) enters the book at once, or is refused when that does not cover it; any other bid
 * first asks settlement to hold its worst case (it enters the book once funded); an ask of a
 * certified node its provider owns, for GPUs the node has free, enters the book at once.
 */
export function placeOrder(
  command: MarketCommandOf<'orders.PlaceOrder'>,
  state: MarketState,
  context: MarketContext,
): Decision<MarketEvent> {
  const { heldAmount, fromPower, ...order } = command.data;
  if (heldAmount !== undefined) return placeFundedBid(order, heldAmount, state, context);
  if (fromPower) return placeBidOnPower(order, state, context);
  const refused = orderRefusal(order, state, context.maxRestingBids);
  if (refused) return refused;
  const spec = state.spec!;
  if (order.side === 'bid')
    return accept({
      type: 'orders.BidAwaitingFunds',
      data: { order, holdAmount: holdFor(order, spec.feeRateBps) },
    });
  if (!order.nodeId) return reject('BAD_USER_INPUT', 'an ask must name the node it sells', 'nodeId');
  const node = own(state.nodes, order.nodeId);
  if (!node)
    return reject('NOT_FOUND', `node ${order.nodeId} is not registered in market ${spec.marketId}`, 'nodeId');
  if (node.providerId !== order.accountId)
    return reject('FORBIDDEN', `node ${order.nodeId} belongs to another provider`, 'nodeId');
  const notCertified = uncertified(node, spec, context.now);
  if (notCertified) return reject('NODE_NOT_CERTIFIED', notCertified, 'nodeId');
  const gpus = nodeGpus(state, order.nodeId, context.now.getTime());
  if (order.gpus > gpus.free) return reject('BAD_USER_INPUT', notFreeMessage(order.nodeId, gpus), 'gpus');
  return acceptAll(enterBook(state, order, context.now, context.hourMs));
}
