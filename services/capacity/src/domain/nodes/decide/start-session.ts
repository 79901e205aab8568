import { DEFAULT_SIZING } from '@gpux/certification';
import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeContext, NodeEvent, RegisteredNode } from '../node';
import { sessionChangedSince } from '../rules/expected-session';
import { sessionEnded } from './outcomes';

/**
 * The node's worker joins: its session is the one heartbeats and challenges go to. The event
 * records how this capacity sizes challenges, for the worker to tune by, and how it watches the
 * session, for the gateway to tell the worker how often to heartbeat. It replaces the node's
 * session: a certification in flight, issued in the one it replaces, ends (a spot check stays due).
 * A conditional start (`expectedSessionId`: joinSession with `replace: false`) replaces only the
 * session the gateway found and judged not live: one started since is refused (rules/expected-session.ts).
 */
export function startSession(
  command: NodeCommandOf<'capacity.StartSession'>,
  state: RegisteredNode,
  { now, options }: NodeContext,
): Decision<NodeEvent> {
  if (!state.credentialHash)
    return reject('FORBIDDEN', `the credential of node ${state.node.nodeId} is revoked`, 'nodeId');
  const { expectedSessionId, ...data } = command.data;
  const { sessionId } = data;
  if (sessionChangedSince(expectedSessionId, state.sessionId, sessionId))
    return reject(
      'ALREADY_EXISTS',
      `node ${state.node.nodeId} has ${state.sessionId ? 'another session' : 'no session'} since the join read it (${expectedSessionId ?? 'none'} then): another join started one meanwhile, or it ended; read the node again`,
      'expectedSessionId',
    );
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
      ...data,
      sizing: options.sizing ?? DEFAULT_SIZING,
      ...(options.heartbeat ? { heartbeat: options.heartbeat } : {}),
    },
  });
}
