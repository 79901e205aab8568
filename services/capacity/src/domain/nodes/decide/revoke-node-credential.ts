import type { RevokedBy } from '@gpux/contracts';
import { accept, DecideContext, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeEvent, RegisteredNode } from '../node';
import { sellable } from '../rules/sellable';
import { breached, sessionEnded } from './outcomes';

/** Who revoked it, in the words of the breach it makes. */
const BY: Record<RevokedBy, string> = {
  provider: 'the provider',
  admin: 'the operator (an admin key)',
};

/**
 * Its provider, or the operator (`revokedBy: 'admin'`, a node whose credential is compromised,
 * whichever provider's), revokes the node's valid credential. A revoked node can prove nothing
 * more: one that could be selling is suspended (its asks cancelled, its running leases breached)
 * until its provider rotates it and recertifies. Its session ends with the credential, and a
 * certification in flight with it. The revocation and its breach record who revoked it. The
 * command names the node's provider either way (the admin's, as the gateway read the node).
 */
export function revokeNodeCredential(
  command: NodeCommandOf<'capacity.RevokeNodeCredential'>,
  state: RegisteredNode,
  { now }: DecideContext,
): Decision<NodeEvent> {
  const node = state.node;
  const { providerId, revokedBy = 'provider' } = command.data;
  if (providerId !== node.providerId)
    return reject(
      'FORBIDDEN',
      revokedBy === 'admin'
        ? `node ${node.nodeId} belongs to ${node.providerId}, not ${providerId} as the command says: revoke it again`
        : `node ${node.nodeId} belongs to another provider`,
      'nodeId',
    );
  if (!state.credentialHash)
    return reject('NOT_FOUND', `node ${node.nodeId} has no valid credential`, 'nodeId');
  return accept(
    {
      type: 'capacity.NodeCredentialRevoked',
      data: { nodeId: node.nodeId, credentialHash: state.credentialHash, revokedBy },
    },
    ...sessionEnded(state, 'the node credential was revoked', now),
    ...(sellable(state)
      ? [
          breached(
            node,
            'CREDENTIAL_REVOKED',
            `${BY[revokedBy]} revoked the node credential`,
            now.toISOString(),
          ),
        ]
      : []),
  );
}
