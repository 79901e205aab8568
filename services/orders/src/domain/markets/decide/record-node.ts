import { accept, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketContext, MarketEvent, MarketState } from '../market';
import { uncertified } from '../rules/certified';
import { orderCancelled } from './order-cancelled';

/**
 * Capacity's record of a node (its provider, GPUs, certification): the latest one counts. A record
 * that leaves the node unable to sell in the market at `now` (certified below its minimum, or
 * already expired) cancels the node's resting asks, CERTIFICATION_LAPSED: they would otherwise
 * rest on until a bid reached them. Its running leases go on (a lapse breaches nothing).
 */
export function recordNode(
  command: MarketCommandOf<'orders.RecordNode'>,
  state: MarketState,
  { now }: MarketContext,
): Decision<MarketEvent> {
  if (!state.spec) return reject('NOT_FOUND', `market ${command.data.marketId} does not exist`, 'marketId');
  const recorded: MarketEvent = { type: 'orders.NodeRecorded', data: command.data };
  if (uncertified(command.data, state.spec, now) === null) return accept(recorded);
  // The node's resting asks, from the book's list of them (not a walk over every order).
  const asks = state.book.asksOn(command.data.nodeId).flatMap((id) => {
    const ask = own(state.orders, id);
    return ask ? [orderCancelled(ask, state.book.remaining(id), 'CERTIFICATION_LAPSED', 0)] : [];
  });
  return accept(recorded, ...asks);
}
