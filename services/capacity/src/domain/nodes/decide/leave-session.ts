import { accept, DecideContext, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeEvent, RegisteredNode } from '../node';
import { breachAt } from '../rules/breach-time';
import { sellable } from '../rules/sellable';
import { breached, sessionEnded } from './outcomes';

/**
 * The node's worker stops and says so: its session ends now, instead of a heartbeat window later
 * (when the node would be declared lost, and could sell meanwhile). A node that could sell stops
 * selling at once, as for a lost node: its asks are cancelled, its running leases breached from
 * when the gateway took its leave (a heartbeat: rules/breach-time.ts), and it sells again once it
 * recertifies (which `gpu-worker join` does when it joins again). A certification in flight ends
 * with the session; a spot check stays due.
 */
export function leaveSession(
  command: NodeCommandOf<'capacity.LeaveSession'>,
  state: RegisteredNode,
  { now }: DecideContext,
): Decision<NodeEvent> {
  const node = state.node;
  const { sessionId } = command.data;
  if (state.sessionId !== sessionId)
    return reject(
      'NOT_FOUND',
      `session ${sessionId} of node ${node.nodeId} is not the current one (it ended, or was replaced)`,
      'sessionId',
    );
  return accept(
    { type: 'capacity.NodeLeft', data: command.data },
    ...sessionEnded(state, `session ${sessionId} ended: the worker left`, now),
    ...(sellable(state)
      ? [
          breached(
            node,
            'NODE_LEFT',
            `the worker left (session ${sessionId})`,
            breachAt(now, command.data.lastHeartbeatAt),
          ),
        ]
      : []),
  );
}
