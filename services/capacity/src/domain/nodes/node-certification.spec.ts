import { Challenge, commitProduct, Commitment, OpenRequest, referenceProduct } from '@gpux/certification';
import { Decision } from '@gpux/eventsourcing/domain';
import { createNodeDecider, NodeCommand, NodeEvent, NodeState } from './node.decider';

const decider = createNodeDecider({ certificateValidityMs: 86_400_000, spotNoticeMs: 1_000 });
const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const HASH = 'a'.repeat(64);
const registered: NodeEvent = {
  type: 'capacity.NodeRegistered',
  data: { nodeId: 'n1', providerId: 'prov', gpuModel: 'H100-80GB', gpus: 8, region: 'eu', marketId: 'h100', credentialHash: HASH },
};

/** A node's life as commands at times: each accepted decision's events are folded in. */
class Node {
  state: NodeState = [registered].reduce((s, e) => decider.evolve(s, e), decider.initialState);
  decide(command: NodeCommand, at: number): Decision<NodeEvent> {
    const d = decider.decide(command, this.state, { now: new Date(at) });
    if (d.kind === 'accepted') this.state = d.events.reduce((s, e) => decider.evolve(s, e), this.state);
    return d;
  }
  events(command: NodeCommand, at: number): NodeEvent[] {
    const d = this.decide(command, at);
    if (d.kind !== 'accepted') throw new Error(`rejected: ${d.code} ${d.message}`);
    return d.events;
  }
}

const issue = (purpose: 'certification' | 'spot', claimedTflops = 0.001, seed = '0123456789abcdef0123456789abcdef'): NodeCommand => ({
  type: 'capacity.IssueChallenge', data: { nodeId: 'n1', purpose, claimedTflops, n: 48, seed },
});
const challengeOf = (events: NodeEvent[]) => (events.find((e) => e.type === 'capacity.ChallengeIssued')!.data as { challenge: unknown }).challenge as Challenge;

/** Answers a challenge the honest way (C on the CPU), optionally tampering with C or the answer. */
function answer(node: Node, challenge: Challenge, at: number, tamper: { c?: (c: Float32Array) => void; seed?: string } = {}) {
  const c = referenceProduct({ ...challenge, ...(tamper.seed ? { seed: tamper.seed } : {}) });
  tamper.c?.(c);
  const product = commitProduct(challenge, c, { computeMs: 1, totalMs: 2 });
  const commitment: Commitment = { ...product.commitment, seed: challenge.seed };
  const committed = node.events({ type: 'capacity.CommitChallenge', data: { nodeId: 'n1', challengeId: challenge.id, commitment: commitment as never, openSeed: 'f'.repeat(32) } }, at);
  const done = committed.find((e) => e.type === 'capacity.ChallengeCommitted');
  if (!done) return committed;
  const request = (done.data as { request: unknown }).request as OpenRequest;
  return node.events({ type: 'capacity.AnswerChallenge', data: { nodeId: 'n1', challengeId: challenge.id, opening: product.open(request) as never } }, at + 10);
}

describe('node certification by challenge', () => {
  it('certifies an honest answer with the throughput measured on its own clock, graded against the model', () => {
    const node = new Node();
    const challenge = challengeOf(node.events(issue('certification'), T0));
    expect(challenge).toMatchObject({ n: 48, m: 48, k: 48, precision: 'f32', claimedTflops: 0.001, issuedAt: T0 });
    const events = answer(node, challenge, T0 + 4);
    expect(events).toEqual([{ type: 'capacity.NodeCertified', data: expect.objectContaining({ nodeId: 'n1', method: 'challenge', tier: 'bronze', expiresAt: new Date(T0 + 14 + 86_400_000).toISOString() }) }]);
    const certified = events[0]!.data as { tflopsPerGpu: { f32: number }; efficiency: number };
    expect(certified.tflopsPerGpu.f32).toBeCloseTo((2 * 48 ** 3) / 0.004 / 1e12, 12);
    expect(certified.efficiency).toBeCloseTo(certified.tflopsPerGpu.f32 / 66.9, 12);
  });

  it('fails wrong rows, a replayed answer and a late commitment, and does not certify', () => {
    const wrong = new Node();
    const c1 = challengeOf(wrong.events(issue('certification'), T0));
    // Half of the rows not computed: caught unless no zeroed row is opened (16 of 48 opened).
    expect(answer(wrong, c1, T0 + 4, { c: (c) => c.fill(0, 0, (48 * 48) / 2) })).toMatchObject([{ type: 'capacity.NodeCertificationFailed', data: { reason: expect.stringMatching(/ROW_MISMATCH|FREIVALDS_FAILED/) } }]);
    expect(wrong.state.certification).toBeNull();

    const replay = new Node();
    const c2 = challengeOf(replay.events(issue('certification'), T0));
    expect(answer(replay, c2, T0 + 4, { seed: 'fedcba9876543210fedcba9876543210' })).toMatchObject([{ type: 'capacity.NodeCertificationFailed', data: { reason: expect.stringMatching(/ROW_MISMATCH|FREIVALDS_FAILED/) } }]);

    const slow = new Node();
    const c3 = challengeOf(slow.events(issue('certification', 1_000), T0));
    expect(answer(slow, c3, c3.deadline + 1)).toMatchObject([{ type: 'capacity.NodeCertificationFailed', data: { reason: 'DEADLINE_MISSED', purpose: 'certification' } }]);
  });

  it('allows one challenge at a time, until it is overdue', () => {
    const node = new Node();
    const c = challengeOf(node.events(issue('certification'), T0));
    expect(node.decide(issue('certification'), T0 + 1)).toMatchObject({ kind: 'rejected', code: 'ALREADY_EXISTS' });
    expect(node.events(issue('certification'), c.deadline + 1).map((e) => e.type)).toEqual(['capacity.NodeCertificationFailed', 'capacity.ChallengeIssued']);
  });

  it('breaches the SLA when a spot challenge fails or the node is lost, once, until it recertifies', () => {
    const node = new Node();
    answer(node, challengeOf(node.events(issue('certification'), T0)), T0 + 4);
    node.events({ type: 'capacity.StartSession', data: { nodeId: 'n1', sessionId: 's1' } }, T0 + 100);
    const spot = challengeOf(node.events(issue('spot'), T0 + 1_000));
    expect(spot.deadline - spot.issuedAt).toBeGreaterThanOrEqual(2_000);
    expect(node.events({ type: 'capacity.ExpireChallenge', data: { nodeId: 'n1', challengeId: spot.id } }, spot.deadline + 1)).toEqual([
      expect.objectContaining({ type: 'capacity.NodeCertificationFailed' }),
      { type: 'capacity.SlaBreached', data: { nodeId: 'n1', providerId: 'prov', marketId: 'h100', reason: 'CHALLENGE_FAILED', detail: expect.any(String), at: new Date(spot.deadline + 1).toISOString() } },
    ]);
    const lost = node.events({ type: 'capacity.DeclareNodeLost', data: { nodeId: 'n1', sessionId: 's1', lastHeartbeatAt: '2026-06-01T00:00:05.000Z' } }, T0 + 60_000);
    expect(lost.map((e) => e.type)).toEqual(['capacity.NodeLost']);
    expect(node.decide({ type: 'capacity.DeclareNodeLost', data: { nodeId: 'n1', sessionId: 's1', lastHeartbeatAt: null } }, T0 + 61_000)).toMatchObject({ kind: 'rejected', code: 'NOT_FOUND' });
    answer(node, challengeOf(node.events(issue('certification'), T0 + 70_000)), T0 + 70_004);
    expect(node.state.suspended).toBeNull();
  });

  it('refuses a revoked node and accepts it again after rotation', () => {
    const node = new Node();
    node.events({ type: 'capacity.RevokeNodeCredential', data: { nodeId: 'n1', providerId: 'prov' } }, T0);
    expect(node.decide(issue('certification'), T0)).toMatchObject({ kind: 'rejected', code: 'FORBIDDEN' });
    expect(node.decide({ type: 'capacity.RevokeNodeCredential', data: { nodeId: 'n1', providerId: 'other' } }, T0)).toMatchObject({ kind: 'rejected', code: 'FORBIDDEN' });
    node.events({ type: 'capacity.RotateNodeCredential', data: { nodeId: 'n1', providerId: 'prov', credentialHash: 'b'.repeat(64) } }, T0);
    expect(node.decide(issue('certification'), T0)).toMatchObject({ kind: 'accepted' });
  });
});
