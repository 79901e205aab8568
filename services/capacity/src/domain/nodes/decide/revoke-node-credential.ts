import { accept, DecideContext, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeEvent, RegisteredNode } from '../node';
import { sellable } from '../rules/sellable';
import { breached, sessionEnded } from './outcomes';

/**
 * Its provider revokes the node's valid credential. A revoked node can prove nothing more: one that
 * could be selling is suspended (its asks cancelled, its running leases breached) until it rotates
 * and recertifies. Its session ends with the credential, and a certification in flight with it.
 */
export function revokeNodeCredential(
  command: NodeCommandOf<'capacity.RevokeNodeCredential'>,
  state: RegisteredNode,
  { now }: DecideContext,
): Decision<NodeEvent> {
  const node = state.node;
  if (command.data.providerId !== node.providerId)
    return reject('FORBIDDEN', `node ${node.nodeId} belongs to another provider`, 'nodeId');
  if (!state.credentialHash)
    return reject('NOT_FOUND', `node ${node.nodeId} has no valid credential`, 'nodeId');
  return accept(
    {
      type: 'capacity.NodeCredentialRevoked',
      data: { nodeId: node.nodeId, credentialHash: state.credentialHash },
    },
    ...sessionEnded(state, 'the node credential was revoked', now),
    ...(sellable(state)
      ? [breached(node, 'CREDENTIAL_REVOKED', 'the provider revoked the node credential', now.toISOString())]
      : []),
  );
}
