import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeContext, NodeEvent, RegisteredNode } from '../node';
import { dueBy } from '../rules/due-by';
import { failed, inFlight, isDecision } from './outcomes';

/** The watchdog ends a challenge past its due time, unanswered: it fails, DEADLINE_MISSED. */
export function expireChallenge(
  command: NodeCommandOf<'capacity.ExpireChallenge'>,
  state: RegisteredNode,
  { now }: NodeContext,
): Decision<NodeEvent> {
  const flight = inFlight(state, command.data.challengeId);
  if (isDecision(flight)) return flight;
  if (now.getTime() <= dueBy(flight))
    return reject(
      'BAD_USER_INPUT',
      `challenge ${flight.challenge.id} is not due until ${new Date(dueBy(flight)).toISOString()}`,
      'challengeId',
    );
  return accept(
    ...failed(
      state,
      flight,
      {
        reason: 'DEADLINE_MISSED',
        detail: flight.commitment ? 'no opening before its deadline' : 'no commitment before its deadline',
      },
      now,
    ),
  );
}
