import { accept, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketContext, MarketEvent, MarketState } from '../market';
import { orderCancelled } from './order-cancelled';

/**
 * A node broke its promise (capacity's SLA breach): its asks are cancelled and every lease still
 * running on it is breached.
 */
export function suspendNode(
  command: MarketCommandOf<'orders.SuspendNode'>,
  state: MarketState,
  { now }: MarketContext,
): Decision<MarketEvent> {
  const { nodeId, reason, at } = command.data;
  const node = own(state.nodes, nodeId);
  if (!state.spec || !node)
    return reject(
      'NOT_FOUND',
      `node ${nodeId} is not registered in market ${command.data.marketId}`,
      'nodeId',
    );
  const spec = state.spec;
  // The node's resting asks, from the book's list of them (not a walk over every order).
  const asks = state.book.asksOn(nodeId).flatMap((id) => {
    const ask = own(state.orders, id);
    return ask ? [orderCancelled(ask, state.book.remaining(id), 'NODE_SUSPENDED', 0)] : [];
  });
  const breached: MarketEvent[] = (own(state.leases, nodeId) ?? [])
    .filter((l) => l.end > now.getTime() && l.tradeId && l.buyerId)
    .map((l) => ({
      type: 'orders.LeaseBreached',
      data: { marketId: spec.marketId, leaseId: l.tradeId!, buyerId: l.buyerId!, nodeId, reason, at },
    }));
  return accept({ type: 'orders.NodeSuspended', data: command.data }, ...asks, ...breached);
}
