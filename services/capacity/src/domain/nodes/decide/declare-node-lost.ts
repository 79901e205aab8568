import { accept, DecideContext, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeEvent, RegisteredNode } from '../node';
import { sellable } from '../rules/sellable';
import { breached, sessionEnded } from './outcomes';

/**
 * The watchdog heard nothing from the node's current session: lost, and if it could sell, a
 * breach. A certification in flight ends with the session; a spot check stays due.
 */
export function declareNodeLost(
  command: NodeCommandOf<'capacity.DeclareNodeLost'>,
  state: RegisteredNode,
  { now }: DecideContext,
): Decision<NodeEvent> {
  const node = state.node;
  if (state.sessionId !== command.data.sessionId)
    return reject(
      'NOT_FOUND',
      `session ${command.data.sessionId} of node ${node.nodeId} is not the current one`,
      'sessionId',
    );
  const at = command.data.lastHeartbeatAt ?? now.toISOString();
  const events: NodeEvent[] = [
    { type: 'capacity.NodeLost', data: command.data },
    ...sessionEnded(state, `session ${command.data.sessionId} ended: the node was lost`, now),
  ];
  // Only a node that could be selling breaks a promise by going silent.
  if (sellable(state)) {
    events.push(
      breached(
        node,
        'NODE_LOST',
        `no heartbeat since ${command.data.lastHeartbeatAt ?? 'the session started'}`,
        at,
      ),
    );
  }
  return accept(...events);
}
