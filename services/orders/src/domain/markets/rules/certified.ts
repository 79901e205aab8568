import type { MarketSpec } from '@gpux/contracts';
import { own } from '@gpux/eventsourcing/domain';
import type { MarketNode } from '../market';

/**
 * The certification rule: a node may sell in a market while it is certified for at least the
 * market's TFLOP/s per GPU and its certification has not expired (it expires at `certifiedUntil`
 * itself). Null when it may sell; otherwise why not: a suspended node says so, and why.
 */
export function uncertified(node: MarketNode, spec: MarketSpec, now: Date): string | null {
  if (node.suspended && node.certifiedTflopsPerGpu === null)
    return `node ${node.nodeId} is suspended (${node.suspended}) until it certifies again: ${
      node.suspended === 'CREDENTIAL_REVOKED'
        ? 'its credential was revoked, so rotateNodeCredential gives it a new one; run gpu-worker join with that'
        : 'run gpu-worker join for it'
    }`;
  if (node.certifiedTflopsPerGpu === null)
    return `node ${node.nodeId} is not certified (the market needs at least ${spec.minTflopsPerGpu} TFLOP/s per GPU): run gpu-worker join for it`;
  if (node.certifiedTflopsPerGpu < spec.minTflopsPerGpu)
    return `node ${node.nodeId} is certified at ${node.certifiedTflopsPerGpu} TFLOP/s per GPU, below the market's minimum of ${spec.minTflopsPerGpu}: it cannot sell in this market`;
  if (node.certifiedUntil && Date.parse(node.certifiedUntil) <= now.getTime())
    return `the certification of node ${node.nodeId} expired at ${node.certifiedUntil}`;
  return null;
}

/**
 * The certification rule as the matching engine asks it of the asks a bid reaches: whether each
 * node (of `nodes`, the market's records) may sell at `now`; a node not recorded may not. Each
 * node is judged once per decision (a bid may reach many asks of one node), so what the engine
 * pays per ask it visits is one map lookup.
 */
export function maySellAt(
  nodes: Record<string, MarketNode>,
  spec: MarketSpec,
  now: Date,
): (nodeId: string) => boolean {
  const judged = new Map<string, boolean>();
  return (nodeId) => {
    let may = judged.get(nodeId);
    if (may === undefined) {
      const node = own(nodes, nodeId);
      may = node !== undefined && uncertified(node, spec, now) === null;
      judged.set(nodeId, may);
    }
    return may;
  };
}
