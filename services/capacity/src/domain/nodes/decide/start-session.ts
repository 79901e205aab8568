import { DEFAULT_SIZING } from '@gpux/certification';
import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeContext, NodeEvent, RegisteredNode } from '../node';
import { sessionEnded } from './outcomes';

/**
 * The node's worker joins: its session is the one heartbeats and challenges go to. The event
 * records how this capacity sizes challenges, for the worker to tune by, and how it watches the
 * session, for the gateway to tell the worker how often to heartbeat. It replaces the node's
 * session: a certification in flight, issued in the one it replaces, ends (a spot check stays due).
 */
export function startSession(
  command: NodeCommandOf<'capacity.StartSession'>,
  state: RegisteredNode,
  { now, options }: NodeContext,
): Decision<NodeEvent> {
  if (!state.credentialHash)
    return reject('FORBIDDEN', `the credential of node ${state.node.nodeId} is revoked`, 'nodeId');
  const { sessionId } = command.data;
  const replaced =
    sessionId === state.sessionId
      ? []
      : sessionEnded(
          state,
          `session ${state.sessionId ?? '(none)'} was replaced by session ${sessionId}`,
          now,
        );
  return accept(...replaced, {
    type: 'capacity.SessionStarted',
    data: {
      ...command.data,
      sizing: options.sizing ?? DEFAULT_SIZING,
      ...(options.heartbeat ? { heartbeat: options.heartbeat } : {}),
    },
  });
}
