import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeEvent, RegisteredNode } from '../node';

/** The node's worker joins: its session is the one heartbeats and challenges go to. */
export function startSession(
  command: NodeCommandOf<'capacity.StartSession'>,
  state: RegisteredNode,
): Decision<NodeEvent> {
  if (!state.credentialHash)
    return reject('FORBIDDEN', `the credential of node ${state.node.nodeId} is revoked`, 'nodeId');
  return accept({ type: 'capacity.SessionStarted', data: command.data });
}
