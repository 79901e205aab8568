import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeContext, NodeEvent, RegisteredNode } from '../node';
import { dueBy } from '../rules/due-by';
import { failed } from './outcomes';

/**
 * The watchdog ends a challenge past its due time, unanswered: it fails, DEADLINE_MISSED. Early,
 * it is refused (the watchdog asks again on a later tick, under another idempotency key). One no
 * longer in flight (expired already, answered, superseded) has nothing left to expire: a second
 * expiry changes nothing.
 */
export function expireChallenge(
  command: NodeCommandOf<'capacity.ExpireChallenge'>,
  state: RegisteredNode,
  { now }: NodeContext,
): Decision<NodeEvent> {
  const flight = state.challenge;
  if (!flight || flight.challenge.id !== command.data.challengeId) return accept();
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
