import { describeValue, type Failure, ID_FORM, wellFormed } from '@gpux/certification';
import type { NodeCertificationFailed, RegisterNode, SlaBreachReason } from '@gpux/contracts';
import { Decision, reject } from '@gpux/eventsourcing/domain';
import type { ChallengeInFlight, NodeEvent, RegisteredNode } from '../node';
import { countsInSession } from '../rules/challenge-session';
import { sellable } from '../rules/sellable';
import { unseenSupersede } from '../rules/unseen-supersede';

/** An SLA breach: the node stops selling (asks cancelled, leases ended) until it recertifies. */
export function breached(node: RegisterNode, reason: SlaBreachReason, detail: string, at: string): NodeEvent {
  const { nodeId, providerId, marketId } = node;
  return { type: 'capacity.SlaBreached', data: { nodeId, providerId, marketId, reason, detail, at } };
}

/**
 * The events of a failed challenge: the failure (after that of a certification it superseded,
 * unrecorded until now: rules/unseen-supersede.ts), and for a spot check on a selling node
 * (rules/sellable.ts: an f32 figure, not suspended already), a breach, dated `at` (ISO; the
 * decision's time unless the caller knows better: rules/breach-time.ts).
 */
export function failed(
  state: RegisteredNode,
  flight: ChallengeInFlight,
  failure: Pick<Failure, 'detail'> & { reason: NodeCertificationFailed['reason'] },
  now: Date,
  at = now.toISOString(),
): NodeEvent[] {
  const node = state.node;
  const events: NodeEvent[] = [
    // The certification a spot check ended, unrecorded until now (rules/unseen-supersede.ts).
    ...unseenSupersede(node, flight),
    {
      type: 'capacity.NodeCertificationFailed',
      data: {
        nodeId: node.nodeId,
        challengeId: flight.challenge.id,
        purpose: flight.purpose,
        reason: failure.reason,
        detail: failure.detail.slice(0, 2000),
      },
    },
  ];
  if (flight.purpose === 'spot' && sellable(state)) {
    events.push(
      breached(node, 'CHALLENGE_FAILED', `spot challenge ${flight.challenge.id}: ${failure.reason}`, at),
    );
  }
  return events;
}

/** The challenge a command answers: the one in flight, or a rejection when it names another. */
export function inFlight(
  state: RegisteredNode,
  challengeId: string,
): ChallengeInFlight | Decision<NodeEvent> {
  const flight = state.challenge;
  if (!flight || flight.challenge.id !== challengeId) {
    // The caller's id is repeated only when it is one (caller-value.ts, libs/certification).
    const named = wellFormed(challengeId, ID_FORM)
      ? `challenge ${challengeId}`
      : `challengeId (not ${ID_FORM.rule}: ${describeValue(challengeId)})`;
    return reject(
      'NOT_FOUND',
      `${named} is not the one node ${state.node.nodeId} is answering`,
      'challengeId',
    );
  }
  return flight;
}

export const isDecision = (x: ChallengeInFlight | Decision<NodeEvent>): x is Decision<NodeEvent> =>
  'kind' in x;

/**
 * The challenge a commitment or an opening answers: the one in flight, and for a certification
 * only within the session it was issued in (rules/challenge-session.ts); a rejection otherwise.
 */
export function answerable(
  state: RegisteredNode,
  challengeId: string,
): ChallengeInFlight | Decision<NodeEvent> {
  const flight = inFlight(state, challengeId);
  if (isDecision(flight) || countsInSession(flight, state)) return flight;
  return reject(
    'NOT_FOUND',
    `certification challenge ${flight.challenge.id} was issued in session ${flight.sessionId ?? '(none)'} of node ${state.node.nodeId}, which is no longer its session (${state.sessionId ?? 'none'}): it counts no more; join, heartbeat and ask for certification again`,
    'challengeId',
  );
}

/**
 * The node's session ends (lost, replaced, its credential revoked): a certification in flight
 * counts only within its session, so it ends now, SUPERSEDED (`why` says by what). A spot check
 * stays due by its deadline whatever happens to the session.
 */
export function sessionEnded(state: RegisteredNode, why: string, now: Date): NodeEvent[] {
  const flight = state.challenge;
  if (!flight || flight.purpose !== 'certification') return [];
  return failed(state, flight, { reason: 'SUPERSEDED', detail: `voided: ${why}` }, now);
}
