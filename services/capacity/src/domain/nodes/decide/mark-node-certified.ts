import { accept, DecideContext, Decision } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeEvent, RegisteredNode } from '../node';

/** An administrator certifies a node (tests, demos): for as long as they say, from the clock. */
export function markNodeCertified(
  command: NodeCommandOf<'capacity.MarkNodeCertified'>,
  state: RegisteredNode,
  { now }: DecideContext,
): Decision<NodeEvent> {
  const { nodeId, providerId, marketId, gpus } = state.node;
  return accept({
    type: 'capacity.NodeCertified',
    data: {
      nodeId,
      providerId,
      marketId,
      gpus,
      tflopsPerGpu: { f32: command.data.tflopsPerGpu },
      // An administrator's word measures nothing: no efficiency, the lowest tier.
      efficiency: null,
      tier: 'bronze',
      expiresAt: new Date(now.getTime() + command.data.validForMs).toISOString(),
      method: 'admin',
    },
  });
}
