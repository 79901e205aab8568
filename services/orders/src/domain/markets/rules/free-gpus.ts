import { own } from '@gpux/eventsourcing/domain';
import type { MarketState } from '../market';

/**
 * The free-GPUs rule: what a node may still offer is its GPUs less those under a lease running at
 * `now` (epoch ms; a lease frees its GPUs at its end) and those its open asks already offer.
 */
export function freeGpus(state: MarketState, nodeId: string, now: number): number {
  const node = own(state.nodes, nodeId);
  if (!node) return 0;
  const leased = (own(state.leases, nodeId) ?? []).filter((l) => l.end > now).reduce((s, l) => s + l.gpus, 0);
  return node.gpus - leased - state.book.offeredOn(nodeId);
}
