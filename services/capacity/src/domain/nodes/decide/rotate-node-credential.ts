import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeEvent, RegisteredNode } from '../node';

/** Its provider gives the node a new credential (a revoked one comes back this way). */
export function rotateNodeCredential(
  command: NodeCommandOf<'capacity.RotateNodeCredential'>,
  state: RegisteredNode,
): Decision<NodeEvent> {
  const node = state.node;
  if (command.data.providerId !== node.providerId)
    return reject('FORBIDDEN', `node ${node.nodeId} belongs to another provider`, 'nodeId');
  return accept({
    type: 'capacity.NodeCredentialRotated',
    data: {
      nodeId: node.nodeId,
      credentialHash: command.data.credentialHash,
      previousHash: state.credentialHash ?? node.credentialHash,
    },
  });
}
