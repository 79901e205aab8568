import { counted } from '@gpux/contracts';
import { own } from '@gpux/eventsourcing/domain';
import type { MarketState } from '../market';

/** What of a node's GPUs is taken at `now`, and what is left for another ask. */
export interface NodeGpus {
  /** All its GPUs (0 for a node not recorded). */
  gpus: number;
  /** Under a lease running at `now`. */
  leased: number;
  /** When the first of those leases ends (epoch ms); null with none running. */
  firstLeaseEnd: number | null;
  /** Offered by its open asks. */
  offered: number;
  free: number;
}

/**
 * The free-GPUs rule: what a node may still offer is its GPUs less those under a lease running at
 * `now` (epoch ms; a lease frees its GPUs at its end) and those its open asks already offer.
 */
export function nodeGpus(state: MarketState, nodeId: string, now: number): NodeGpus {
  const node = own(state.nodes, nodeId);
  if (!node) return { gpus: 0, leased: 0, firstLeaseEnd: null, offered: 0, free: 0 };
  const running = (own(state.leases, nodeId) ?? []).filter((l) => l.end > now);
  const leased = running.reduce((s, l) => s + l.gpus, 0);
  const firstLeaseEnd = running.length ? Math.min(...running.map((l) => l.end)) : null;
  const offered = state.book.offeredOn(nodeId);
  return { gpus: node.gpus, leased, firstLeaseEnd, offered, free: node.gpus - leased - offered };
}

/** Why an ask for more than a node has free is refused: what of its GPUs is leased, and what offered. */
export function notFreeMessage(nodeId: string, n: NodeGpus): string {
  const ends =
    n.firstLeaseEnd === null ? '' : ` (the first ends at ${new Date(n.firstLeaseEnd).toISOString()})`;
  return (
    `node ${nodeId} has ${n.free} of its ${counted(n.gpus, 'GPU')} free to offer: ` +
    `${n.leased} leased${ends}, ${n.offered} offered by your open asks`
  );
}
