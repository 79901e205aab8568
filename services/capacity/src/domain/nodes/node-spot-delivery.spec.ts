import { allowedMs, type Challenge, flopOf } from '@gpux/certification';
import { answer, certifiedNode, challengeOf, issue, Node, proofOf, T0 } from './node-certification.fixture';
import type { NodeCommand, NodeEvent } from './node.decider';

// A spot check reaches its worker at the worker's next heartbeat, and is timed from then: the
// decider's side of rules/delivery.ts (the fixture's decider: a spot check of about a
// millisecond at the claim, the next heartbeat up to a second away).

const deliver = (challengeId: string): NodeCommand => ({
  type: 'capacity.DeliverChallenge',
  data: { nodeId: 'n1', challengeId },
});
const delivered = (events: NodeEvent[]) =>
  (events.find((e) => e.type === 'capacity.ChallengeDelivered')!.data as { challenge: unknown })
    .challenge as Challenge;
/** A certified node with a spot check issued at `at`. */
function spotAt(at: number): { node: Node; spot: Challenge } {
  const node = certifiedNode();
  return { node, spot: challengeOf(node.events(issue('spot'), at)) };
}

describe('a spot check is timed from its delivery to the worker', () => {
  it('restarts its clock once, at the delivery: the time its claim allows, no heartbeat wait', () => {
    const { node, spot } = spotAt(T0 + 1_000);
    // At issue it allows the next heartbeat's wait too (the fixture's second).
    expect(spot.deadline - spot.issuedAt).toBe(allowedMs(spot, spot.claimedTflops, { slackMs: 2_000 }));
    const events = node.events(deliver(spot.id), T0 + 1_700);
    expect(events).toEqual([
      {
        type: 'capacity.ChallengeDelivered',
        data: { nodeId: 'n1', challengeId: spot.id, challenge: expect.any(Object) },
      },
    ]);
    const handed = delivered(events);
    expect(handed).toEqual({
      ...spot,
      issuedAt: T0 + 1_700,
      deadline: T0 + 1_700 + allowedMs(spot, spot.claimedTflops),
    });
    expect(node.state.challenge).toMatchObject({ purpose: 'spot', delivered: true, challenge: handed });
    // Handed out again (a second heartbeat, a retry): its clock keeps running from the first.
    expect(node.events(deliver(spot.id), T0 + 1_900)).toEqual([]);
    expect(node.state.challenge?.challenge).toEqual(handed);
  });

  it('fails a commitment later than the claim allows from the delivery, though within the deadline at issue', () => {
    const { node, spot } = spotAt(T0 + 1_000);
    const handed = delivered(node.events(deliver(spot.id), T0 + 1_200));
    const late = handed.deadline + 1;
    // Before deliveries were recorded, this commitment came in time: within the heartbeat's wait.
    expect(late).toBeLessThan(spot.deadline);
    expect(answer(node, handed, late)).toEqual([
      expect.objectContaining({
        type: 'capacity.NodeCertificationFailed',
        data: expect.objectContaining({ reason: 'DEADLINE_MISSED' }),
      }),
      expect.objectContaining({
        type: 'capacity.SlaBreached',
        data: expect.objectContaining({ reason: 'CHALLENGE_FAILED' }),
      }),
    ]);
  });

  it('measures what the node delivered from the delivery, not from the issue', () => {
    const { node, spot } = spotAt(T0 + 1_000);
    const handed = delivered(node.events(deliver(spot.id), T0 + 1_800));
    const events = answer(node, handed, T0 + 1_800 + 500);
    expect(events).toEqual([
      {
        type: 'capacity.SpotChallengePassed',
        data: { nodeId: 'n1', challengeId: spot.id, measuredTflops: flopOf(spot) / 0.5 / 1e12 },
      },
    ]);
  });

  it('hands out nothing past the deadline at issue: the watchdog expires the check', () => {
    const { node, spot } = spotAt(T0 + 1_000);
    expect(node.events(deliver(spot.id), spot.deadline + 1)).toEqual([]);
    expect(node.state.challenge).toMatchObject({ challenge: spot });
    expect(node.state.challenge?.delivered).toBeUndefined();
    expect(
      node
        .events(
          { type: 'capacity.ExpireChallenge', data: { nodeId: 'n1', challengeId: spot.id } },
          spot.deadline + 2,
        )
        .map((e) => e.type),
    ).toEqual(['capacity.NodeCertificationFailed', 'capacity.SlaBreached']);
  });

  it('is due by its delivered deadline: the watchdog may not expire it before', () => {
    const { node, spot } = spotAt(T0 + 1_000);
    const handed = delivered(node.events(deliver(spot.id), spot.deadline - 10));
    expect(handed.deadline).toBeGreaterThan(spot.deadline);
    const expire: NodeCommand = {
      type: 'capacity.ExpireChallenge',
      data: { nodeId: 'n1', challengeId: spot.id },
    };
    expect(node.decide(expire, spot.deadline + 1)).toMatchObject({ kind: 'rejected' });
    expect(node.events(expire, handed.deadline + 1).map((e) => e.type)).toContain(
      'capacity.NodeCertificationFailed',
    );
  });

  it('restarts no certification (its worker had it with the answer), and names an unknown challenge', () => {
    const node = new Node();
    const certification = challengeOf(node.events(issue('certification'), T0));
    expect(node.events(deliver(certification.id), T0 + 1)).toEqual([]);
    expect(node.state.challenge?.challenge).toEqual(certification);
    expect(node.decide(deliver('f'.repeat(32)), T0 + 2)).toMatchObject({
      kind: 'rejected',
      code: 'NOT_FOUND',
      field: 'challengeId',
    });
  });

  it('leaves a committed check as it is, and names one no longer in flight', () => {
    const { node, spot } = spotAt(T0 + 1_000);
    const handed = delivered(node.events(deliver(spot.id), T0 + 1_100));
    const { commit, open } = proofOf(handed);
    const committed = node.events(commit, T0 + 1_150);
    expect(node.events(deliver(spot.id), T0 + 1_160)).toEqual([]);
    expect(node.events(open(committed), T0 + 1_170).map((e) => e.type)).toEqual([
      'capacity.SpotChallengePassed',
    ]);
    expect(node.decide(deliver(spot.id), T0 + 1_200)).toMatchObject({ kind: 'rejected', code: 'NOT_FOUND' });
  });
});
