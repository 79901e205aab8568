import { accept, Decision } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeContext, NodeEvent, RegisteredNode } from '../node';
import { deliveredAt } from '../rules/delivery';
import { unseenSupersede } from '../rules/unseen-supersede';
import { inFlight, isDecision } from './outcomes';

/**
 * The gateway hands the node's spot check to its worker: the check's clock restarts now, at this
 * decision (rules/delivery.ts), as the gateway gives the seed out only after it. Once only: a check
 * delivered or committed already keeps its clock, and a certification (its worker asked for it,
 * and had it with the answer) has nothing to restart. A check past its deadline is not handed out
 * (nothing is recorded, so the gateway leaves it out): the watchdog expires it, under its excuse rule.
 */
export function deliverChallenge(
  command: NodeCommandOf<'capacity.DeliverChallenge'>,
  state: RegisteredNode,
  { now }: NodeContext,
): Decision<NodeEvent> {
  const flight = inFlight(state, command.data.challengeId);
  if (isDecision(flight)) return flight;
  const t = now.getTime();
  if (flight.purpose !== 'spot' || flight.delivered || flight.commitment || t > flight.challenge.deadline)
    return accept();
  // The certification it ended at its issue is recorded now, as the worker learns of the check.
  return accept(...unseenSupersede(state.node, flight), {
    type: 'capacity.ChallengeDelivered',
    data: {
      nodeId: state.node.nodeId,
      challengeId: flight.challenge.id,
      challenge: deliveredAt(flight.challenge, t),
    },
  });
}
