import { challengeSizeFor } from '@gpux/certification';
import { accept, Decision } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeContext, NodeEvent, RegisteredNode } from '../node';
import { spotClaim } from '../rules/spot-claim';

/**
 * An administrator certifies a node (tests, demos): for as long as they say, from the clock. Its
 * spot checks are sized now, from their claim, as a challenge's would be (challengeSizeFor), so a
 * worker that joins it is told the size to tune for.
 */
export function markNodeCertified(
  command: NodeCommandOf<'capacity.MarkNodeCertified'>,
  state: RegisteredNode,
  { now, options }: NodeContext,
): Decision<NodeEvent> {
  const { nodeId, providerId, marketId, gpus } = state.node;
  const { tflopsPerGpu } = command.data;
  return accept({
    type: 'capacity.NodeCertified',
    data: {
      nodeId,
      providerId,
      marketId,
      gpus,
      tflopsPerGpu: { f32: tflopsPerGpu },
      challengeSize: challengeSizeFor(spotClaim(tflopsPerGpu, gpus), options.sizing),
      // An administrator's word measures nothing: no efficiency, the lowest tier.
      efficiency: null,
      tier: 'bronze',
      expiresAt: new Date(now.getTime() + command.data.validForMs).toISOString(),
      method: 'admin',
    },
  });
}
