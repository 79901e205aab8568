import type { Failure } from '@gpux/certification';
import type { NodeCertificationFailed, RegisterNode, SlaBreachReason } from '@gpux/contracts';
import { Decision, reject } from '@gpux/eventsourcing/domain';
import type { ChallengeInFlight, NodeEvent, RegisteredNode } from '../node';

/** An SLA breach: the node stops selling (asks cancelled, leases ended) until it recertifies. */
export function breached(node: RegisterNode, reason: SlaBreachReason, detail: string, at: string): NodeEvent {
  const { nodeId, providerId, marketId } = node;
  return { type: 'capacity.SlaBreached', data: { nodeId, providerId, marketId, reason, detail, at } };
}

/** The events of a failed challenge: the failure, and for a spot check on a selling node, a breach. */
export function failed(
  state: RegisteredNode,
  flight: ChallengeInFlight,
  failure: Pick<Failure, 'detail'> & { reason: NodeCertificationFailed['reason'] },
  now: Date,
): NodeEvent[] {
  const node = state.node;
  const events: NodeEvent[] = [
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
  if (flight.purpose === 'spot' && !state.suspended) {
    events.push(
      breached(
        node,
        'CHALLENGE_FAILED',
        `spot challenge ${flight.challenge.id}: ${failure.reason}`,
        now.toISOString(),
      ),
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
  if (!flight || flight.challenge.id !== challengeId)
    return reject(
      'NOT_FOUND',
      `challenge ${challengeId} is not the one node ${state.node.nodeId} is answering`,
      'challengeId',
    );
  return flight;
}

export const isDecision = (x: ChallengeInFlight | Decision<NodeEvent>): x is Decision<NodeEvent> =>
  'kind' in x;
