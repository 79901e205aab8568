import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeEvent, NodeState } from '../node';

/** A provider registers a node once, with its credential's digest. */
export function registerNode(
  command: NodeCommandOf<'capacity.RegisterNode'>,
  state: NodeState,
): Decision<NodeEvent> {
  if (state.node) return reject('ALREADY_EXISTS', `node ${command.data.nodeId} already exists`, 'nodeId');
  return accept({ type: 'capacity.NodeRegistered', data: command.data });
}
