import { accept, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketEvent, MarketState } from '../market';
import { orderCancelled } from './order-cancelled';

/**
 * A node broke its promise (capacity's SLA breach): its asks are cancelled and every lease still
 * running on it when it stopped delivering (`at`, its last heartbeat or the failed challenge) is
 * breached, including one that ended between `at` and now: the buyer paid for time after `at`
 * that the node did not deliver (settlement's early end clamps to the lease's end).
 */
export function suspendNode(
  command: MarketCommandOf<'orders.SuspendNode'>,
  state: MarketState,
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
  // Not `now` (when orders decides, up to the heartbeat timeout and any lag later): from `at` on
  // the node delivered nothing. evolve keeps ended leases long enough (ENDED_LEASE_RETENTION_MS).
  const silentSince = Date.parse(at);
  const breached: MarketEvent[] = (own(state.leases, nodeId) ?? [])
    .filter((l) => l.end > silentSince && l.tradeId && l.buyerId)
    .map((l) => ({
      type: 'orders.LeaseBreached',
      data: { marketId: spec.marketId, leaseId: l.tradeId!, buyerId: l.buyerId!, nodeId, reason, at },
    }));
  return accept({ type: 'orders.NodeSuspended', data: command.data }, ...asks, ...breached);
}
