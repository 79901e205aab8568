import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeEvent, NodeState } from '../node';

/**
 * A provider registers a node once, with its credential's digest. A second registration of the
 * id is refused, saying what the provider likely wants instead: a new credential for its own node
 * (the first was lost: rotateNodeCredential), or another id for another machine.
 */
export function registerNode(
  command: NodeCommandOf<'capacity.RegisterNode'>,
  state: NodeState,
): Decision<NodeEvent> {
  const { nodeId, providerId } = command.data;
  if (state.node) {
    const what =
      state.node.providerId === providerId
        ? `a node is registered once, and its GPUs, market and model stay as registered: for a new credential (the first one lost), rotateNodeCredential(nodeId: "${nodeId}"); for another machine, or other GPUs, register a new nodeId`
        : 'it belongs to another provider: register yours under another nodeId';
    return reject('ALREADY_EXISTS', `node ${nodeId} already exists: ${what}`, 'nodeId');
  }
  return accept({ type: 'capacity.NodeRegistered', data: command.data });
}
