import type { MarketSpec, NodeRecord } from '@gpux/contracts';

/**
 * The certification rule: a node may sell in a market while it is certified for at least the
 * market's TFLOP/s per GPU and its certification has not expired (it expires at `certifiedUntil`
 * itself). Null when it may sell; otherwise why not.
 */
export function uncertified(node: NodeRecord, spec: MarketSpec, now: Date): string | null {
  if (node.certifiedTflopsPerGpu === null || node.certifiedTflopsPerGpu < spec.minTflopsPerGpu)
    return `node ${node.nodeId} is not certified for at least ${spec.minTflopsPerGpu} TFLOP/s per GPU`;
  if (node.certifiedUntil && Date.parse(node.certifiedUntil) <= now.getTime())
    return `the certification of node ${node.nodeId} expired at ${node.certifiedUntil}`;
  return null;
}
