import { challengeSizeFor, createChallenge } from '@gpux/certification';
import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import { refuseClaim, refuseDeadline } from '../../certification/claim-bounds';
import { seededStream } from '../../certification/randomness';
import type { NodeCommandOf, NodeContext, NodeEvent, RegisteredNode } from '../node';
import { countsInSession } from '../rules/challenge-session';
import { challengeTiming } from '../rules/challenge-timing';
import { dueBy } from '../rules/due-by';
import { refuseF16WhileSuspended } from '../rules/f32-certificate';
import { failed } from './outcomes';

/**
 * A challenge for the node: a certification (of a joined node, for a claim within bounds) or a spot
 * check, of products of the size given or, absent, of the size its claim picks (challengeSizeFor,
 * by the sizing configured). One at a time: a new one waits until the one in flight is due, except
 * that a spot check never waits for a certification, and nothing waits for a certification that
 * no longer counts (its session ended): that one ends, superseded. A suspended node certifies f32
 * before f16: only an f32 certification lifts a suspension.
 */
export function issueChallenge(
  command: NodeCommandOf<'capacity.IssueChallenge'>,
  state: RegisteredNode,
  { now, options }: NodeContext,
): Decision<NodeEvent> {
  const t = now.getTime();
  const node = state.node;
  if (!state.credentialHash)
    return reject('FORBIDDEN', `the credential of node ${node.nodeId} is revoked`, 'nodeId');
  const { purpose, claimedTflops, n, seed, requiredTflopsPerGpu } = command.data;
  // Spot checks re-measure what the node sells on: f32. A certification may be of f16 too.
  const precision = purpose === 'certification' ? (command.data.precision ?? 'f32') : 'f32';
  // Only a joined node is watched (heartbeats, spot checks): nothing certifies unwatched.
  if (purpose === 'certification' && !state.sessionId)
    return reject(
      'FORBIDDEN',
      `node ${node.nodeId} has no worker session: join (joinSession) and heartbeat, then ask for certification`,
      'nodeId',
    );
  const suspended = purpose === 'certification' ? refuseF16WhileSuspended(precision, state) : null;
  if (suspended) return reject('FORBIDDEN', `node ${node.nodeId} ${suspended}`, 'precision');
  const claim =
    purpose === 'certification'
      ? refuseClaim(claimedTflops, {
          gpuModel: node.gpuModel,
          gpus: node.gpus,
          precision,
          // The market's minimum is in f32 TFLOP/s: it bounds f32 claims only.
          ...(requiredTflopsPerGpu !== undefined && precision === 'f32' ? { requiredTflopsPerGpu } : {}),
        })
      : null;
  if (claim) return reject('BAD_USER_INPUT', claim.message, claim.field);
  const challenge = createChallenge({
    n: n ?? challengeSizeFor(claimedTflops, options.sizing),
    precision,
    claimedTflops,
    now: t,
    rng: seededStream(seed),
    ...challengeTiming(purpose, options),
  });
  const parked = refuseDeadline(claimedTflops, challenge.issuedAt, challenge.deadline);
  if (parked) return reject('BAD_USER_INPUT', parked.message, parked.field);
  const events: NodeEvent[] = [];
  const current = state.challenge;
  if (current) {
    const due = t > dueBy(current);
    // A spot check never waits for a certification in flight, and nothing waits for one whose
    // session ended (one recorded before sessions ended it): that one ends unanswered.
    const voided = !countsInSession(current, state);
    const superseded = !due && (voided || (purpose === 'spot' && current.purpose === 'certification'));
    if (!due && !superseded)
      return reject(
        'ALREADY_EXISTS',
        `node ${node.nodeId} is answering challenge ${current.challenge.id} until ${new Date(dueBy(current)).toISOString()}`,
        'nodeId',
      );
    // A certification a spot check ends is recorded once the check is fetched, not now
    // (rules/unseen-supersede.ts): its record would tell the provider that a check was coming.
    if (!superseded || voided)
      events.push(
        ...failed(
          state,
          current,
          superseded
            ? {
                reason: 'SUPERSEDED',
                detail: `voided: its session ended; ended by ${purpose} challenge ${challenge.id}`,
              }
            : { reason: 'DEADLINE_MISSED', detail: 'abandoned: no answer before its deadline' },
          now,
        ),
      );
  }
  // Its overdue spot check, abandoned here, suspends the node: as for a node suspended before.
  if (precision === 'f16' && events.some((e) => e.type === 'capacity.SlaBreached'))
    return reject(
      'FORBIDDEN',
      `node ${node.nodeId} failed its spot challenge ${current!.challenge.id} (no answer before its deadline) and is suspended: only an f32 certification lifts a suspension`,
      'precision',
    );
  events.push({ type: 'capacity.ChallengeIssued', data: { nodeId: node.nodeId, purpose, challenge } });
  return accept(...events);
}
