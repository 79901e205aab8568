import { challengeSizeFor } from '@gpux/certification';
import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeContext, NodeEvent, RegisteredNode } from '../node';
import { spotClaim } from '../rules/spot-claim';

/**
 * An administrator certifies a node (tests, demos): for as long as they say, from the clock; not
 * one whose credential its provider or the operator revoked (until the provider rotates it). Its
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
  // Its provider or the operator revoked it (a credential leaked, a machine gone): it sells again
  // only once its provider rotates it. An administrator's certificate lifted the suspension and it sold, revoked.
  if (!state.credentialHash)
    return reject(
      'FORBIDDEN',
      `the credential of node ${nodeId} is revoked: its provider rotates it (rotateNodeCredential) before it may be certified again`,
      'nodeId',
    );
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
