import type { ChallengeInFlight, NodeState } from '../node';

/**
 * The session rule: a certification challenge counts only within the session it was issued in.
 * Its session ending (the node lost), being replaced (the worker joined again) or its credential
 * revoked voids it: nothing certifies a node that is not watched. A spot challenge counts whatever
 * happens to the session: it stays due by its deadline, so no worker escapes one by leaving or
 * joining again (failing or expiring it breaches a selling node, as ever).
 *
 * A certification from a state snapshotted before challenges recorded their session counts while
 * the node has a session.
 */
export function countsInSession(flight: ChallengeInFlight, state: NodeState): boolean {
  if (flight.purpose === 'spot') return true;
  if (!state.sessionId) return false;
  return flight.sessionId === undefined || flight.sessionId === state.sessionId;
}
