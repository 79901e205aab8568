import { verifyOpening } from '@gpux/certification';
import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import { certifiablePerGpu, perGpu } from '../../certification/claim-bounds';
import { grade } from '../../certification/verdict';
import type { NodeCommandOf, NodeContext, NodeEvent, RegisteredNode } from '../node';
import { readOpening } from '../protocol';
import { arrivedAt } from '../rules/arrival';
import { certifiedFigures } from '../rules/certified-figures';
import { certificateExpiry, refuseF16WhileSuspended } from '../rules/f32-certificate';
import { unseenSupersede } from '../rules/unseen-supersede';
import { answerable, failed, isDecision } from './outcomes';

/**
 * The node opens the leaves it was asked for, in time (as it arrived: rules/arrival.ts). Verified: a spot check passes, a certification
 * certifies the node at what it delivered per declared GPU, graded against its model. Otherwise
 * the challenge fails. A certification is answered only within the session it was issued in, and
 * only an f32 one renews the f32 certificate and lifts a suspension (rules/f32-certificate.ts).
 */
export function answerChallenge(
  command: NodeCommandOf<'capacity.AnswerChallenge'>,
  state: RegisteredNode,
  { now, options }: NodeContext,
): Decision<NodeEvent> {
  const node = state.node;
  const flight = answerable(state, command.data.challengeId);
  if (isDecision(flight)) return flight;
  const t = arrivedAt(command.data.receivedAt, flight.challenge.issuedAt, now);
  const precision = flight.challenge.precision;
  // An f16 challenge issued before a suspension (none is issued to a suspended node).
  const suspended = flight.purpose === 'certification' ? refuseF16WhileSuspended(precision, state) : null;
  if (suspended) return reject('FORBIDDEN', `node ${node.nodeId} ${suspended}`, 'challengeId');
  if (!flight.commitment || !flight.request)
    return reject(
      'BAD_USER_INPUT',
      `challenge ${flight.challenge.id} has no commitment yet: commit first`,
      'challengeId',
    );
  const verdict = verifyOpening(
    flight.challenge,
    flight.commitment,
    flight.request,
    readOpening(command.data.opening),
    t,
  );
  if (!verdict.ok) return accept(...failed(state, flight, verdict, now));
  if (flight.purpose === 'spot')
    return accept(...unseenSupersede(node, flight), {
      type: 'capacity.SpotChallengePassed',
      data: { nodeId: node.nodeId, challengeId: flight.challenge.id, measuredTflops: verdict.measuredTflops },
    });
  // The node proved its figure with all its declared GPUs: a node that declares 8 and has 1
  // is certified at an eighth of what that one delivers; never above what its model can.
  const measured = certifiablePerGpu(perGpu(verdict.measuredTflops, node.gpus), node.gpuModel, precision);
  // The certificate the node holds (by challenge or by an administrator): an f16 certification
  // leaves its f32 figure, expiry and size as they were, and its grade: the tier is the f32
  // figure's (markets trade f32), and an f16 figure against the tensor cores' peak grades far
  // lower (an H200: 0.44 of its f32 peak, 0.06 of its f16 one), so it would turn gold to bronze.
  const current = state.certification;
  const { efficiency, tier } =
    precision === 'f16' && current
      ? { efficiency: current.efficiency, tier: current.tier }
      : grade(node.gpuModel, precision, measured);
  // The f32 figure's challenge size goes with it: spot checks re-measure there.
  const challengeSize = precision === 'f32' ? flight.challenge.n : current?.challengeSize;
  return accept({
    type: 'capacity.NodeCertified',
    data: {
      nodeId: node.nodeId,
      providerId: node.providerId,
      marketId: node.marketId,
      gpus: node.gpus,
      tflopsPerGpu: certifiedFigures(precision, measured, current?.tflopsPerGpu),
      measuredTflops: verdict.measuredTflops,
      ...(challengeSize !== undefined ? { challengeSize } : {}),
      efficiency,
      tier,
      expiresAt: certificateExpiry(
        precision,
        current,
        new Date(now.getTime() + options.certificateValidityMs).toISOString(),
      ),
      method: 'challenge',
      // Which challenge granted it and the precision it measured (an admin's certificate has neither).
      challengeId: flight.challenge.id,
      precision,
    },
  });
}
