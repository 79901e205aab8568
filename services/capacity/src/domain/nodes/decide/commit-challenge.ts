import { checkCommitment, openRequest } from '@gpux/certification';
import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import { seededStream } from '../../certification/randomness';
import type { NodeCommandOf, NodeContext, NodeEvent, RegisteredNode } from '../node';
import { keptCommitment, readCommitment } from '../protocol';
import { arrivedAt } from '../rules/arrival';
import { answerable, failed, isDecision } from './outcomes';

/**
 * The node commits to its products (one root) in time (as it arrived: rules/arrival.ts): the
 * verifier draws, only now, the leaves it must open. A commitment that fails the protocol's checks fails the challenge. A certification
 * is answered only within the session it was issued in.
 */
export function commitChallenge(
  command: NodeCommandOf<'capacity.CommitChallenge'>,
  state: RegisteredNode,
  { now }: NodeContext,
): Decision<NodeEvent> {
  const flight = answerable(state, command.data.challengeId);
  if (isDecision(flight)) return flight;
  const t = arrivedAt(command.data.receivedAt, flight.challenge.issuedAt, now);
  if (flight.commitment)
    return reject('ALREADY_EXISTS', `challenge ${flight.challenge.id} is already committed`, 'challengeId');
  const commitment = readCommitment(command.data.commitment);
  const failure = checkCommitment(flight.challenge, commitment, t);
  if (failure) return accept(...failed(state, flight, failure, now));
  const request = openRequest(flight.challenge, commitment, {
    rng: seededStream(command.data.openSeed),
    now: t,
  });
  return accept({
    type: 'capacity.ChallengeCommitted',
    data: {
      nodeId: state.node.nodeId,
      challengeId: flight.challenge.id,
      commitment: keptCommitment(commitment),
      request,
    },
  });
}
