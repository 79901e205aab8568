import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { NodeCommandOf, NodeContext, NodeEvent, RegisteredNode } from '../node';
import { breachAt } from '../rules/breach-time';
import { dueBy } from '../rules/due-by';
import { excused } from '../rules/excused';
import { unseenSupersede } from '../rules/unseen-supersede';
import { failed } from './outcomes';

/**
 * The watchdog ends a challenge past its due time, unanswered: it fails, DEADLINE_MISSED, unless
 * the marketplace could not take its answers meanwhile (rules/excused.ts): then it ends SUPERSEDED,
 * no verdict on the node (a spot check breaches nothing). A spot check's breach is dated no later
 * than the node's last heartbeat, as the watchdog read it (rules/breach-time.ts). Early,
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
  const outage = command.data.unanswerable;
  if (outage && excused(flight, { from: Date.parse(outage.from), until: Date.parse(outage.until) }))
    return accept(...unseenSupersede(state.node, flight), {
      type: 'capacity.NodeCertificationFailed',
      data: {
        nodeId: state.node.nodeId,
        challengeId: flight.challenge.id,
        purpose: flight.purpose,
        reason: 'SUPERSEDED',
        detail: `excused: the marketplace could not take answers from ${outage.from} to ${outage.until}`,
      },
    });
  return accept(
    ...failed(
      state,
      flight,
      {
        reason: 'DEADLINE_MISSED',
        detail: flight.commitment ? 'no opening before its deadline' : 'no commitment before its deadline',
      },
      now,
      // An unanswered check: the node may have stopped at its last heartbeat.
      breachAt(now, command.data.lastHeartbeatAt),
    ),
  );
}
