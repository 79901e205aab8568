import type { NodeCommand, NodeEvent } from './node.decider';
import {
  answer,
  certifiedNode,
  challengeOf,
  issue,
  join,
  joined,
  Node,
  proofOf,
  registered,
  T0,
} from './node-certification.fixture';

const lost = (sessionId: string): NodeCommand => ({
  type: 'capacity.DeclareNodeLost',
  data: { nodeId: 'n1', sessionId, lastHeartbeatAt: null },
});
const revoke: NodeCommand = {
  type: 'capacity.RevokeNodeCredential',
  data: { nodeId: 'n1', providerId: 'prov', revokedBy: 'provider' },
};
const rotate: NodeCommand = {
  type: 'capacity.RotateNodeCredential',
  data: { nodeId: 'n1', providerId: 'prov', credentialHash: 'b'.repeat(64) },
};
const expire = (challengeId: string): NodeCommand => ({
  type: 'capacity.ExpireChallenge',
  data: { nodeId: 'n1', challengeId },
});
const types = (events: NodeEvent[]) => events.map((e) => e.type);
const voided = (detail: RegExp) => ({
  type: 'capacity.NodeCertificationFailed',
  data: expect.objectContaining({
    purpose: 'certification',
    reason: 'SUPERSEDED',
    detail: expect.stringMatching(detail),
  }),
});
const refused = { kind: 'rejected', code: 'NOT_FOUND', field: 'challengeId' };

describe('a certification challenge counts only within the session it was issued in', () => {
  it('a node lost mid-certification is not certified by a commitment sent in time', () => {
    const node = new Node();
    const challenge = challengeOf(node.events(issue('certification'), T0));
    expect(node.events(lost('s0'), T0 + 1)).toEqual([
      { type: 'capacity.NodeLost', data: { nodeId: 'n1', sessionId: 's0', lastHeartbeatAt: null } },
      voided(/session s0 ended: the node was lost/),
    ]);
    expect(T0 + 2).toBeLessThan(challenge.deadline);
    expect(node.decide(proofOf(challenge).commit, T0 + 2)).toMatchObject(refused);
    expect(node.state.certification).toBeNull();
    expect(node.state.challenge).toBeNull();
  });

  it('a node lost between its commitment and its opening is not certified by the opening', () => {
    const node = new Node();
    const challenge = challengeOf(node.events(issue('certification'), T0));
    const proof = proofOf(challenge);
    const committed = node.events(proof.commit, T0 + 4);
    node.events(lost('s0'), T0 + 5);
    expect(node.decide(proof.open(committed), T0 + 6)).toMatchObject(refused);
    expect(node.state.certification).toBeNull();
  });

  it('a credential revoked during a challenge voids it: rotated, joined again, the old answer is refused', () => {
    const node = new Node();
    const challenge = challengeOf(node.events(issue('certification'), T0));
    const proof = proofOf(challenge);
    const committed = node.events(proof.commit, T0 + 4);
    expect(node.events(revoke, T0 + 5)).toEqual([
      expect.objectContaining({ type: 'capacity.NodeCredentialRevoked' }),
      voided(/credential was revoked/),
    ]);
    node.events(rotate, T0 + 6);
    node.events(join('s1'), T0 + 7);
    expect(node.decide(proof.open(committed), T0 + 8)).toMatchObject(refused);
    expect(node.state.certification).toBeNull();
  });

  it('a node lost mid-recertification stays suspended: the answer does not lift the suspension', () => {
    const node = certifiedNode();
    const first = node.state.certification;
    const challenge = challengeOf(node.events(issue('certification'), T0 + 100));
    const proof = proofOf(challenge);
    const committed = node.events(proof.commit, T0 + 104);
    expect(types(node.events(lost('s0'), T0 + 105))).toEqual([
      'capacity.NodeLost',
      'capacity.NodeCertificationFailed',
      'capacity.SlaBreached',
    ]);
    expect(node.decide(proof.open(committed), T0 + 106)).toMatchObject(refused);
    expect(node.state.suspended).toMatchObject({ reason: 'NODE_LOST' });
    expect(node.state.certification).toEqual(first);
  });

  it('joining again replaces the session and voids its certification; one asked for in the new session certifies', () => {
    const node = new Node();
    const challenge = challengeOf(node.events(issue('certification'), T0));
    expect(node.events(join('s1'), T0 + 1)).toEqual([
      voided(/session s0 was replaced by session s1/),
      expect.objectContaining({ type: 'capacity.SessionStarted' }),
    ]);
    expect(node.decide(proofOf(challenge).commit, T0 + 2)).toMatchObject(refused);
    // Nothing in flight holds off the new one.
    const again = node.events(issue('certification'), T0 + 3);
    expect(types(again)).toEqual(['capacity.ChallengeIssued']);
    expect(types(answer(node, challengeOf(again), T0 + 7))).toEqual(['capacity.NodeCertified']);
  });

  it('joining again with the same session keeps its certification in flight', () => {
    const node = new Node();
    const challenge = challengeOf(node.events(issue('certification'), T0));
    expect(types(node.events(join('s0'), T0 + 1))).toEqual(['capacity.SessionStarted']);
    expect(types(answer(node, challenge, T0 + 4))).toEqual(['capacity.NodeCertified']);
  });

  it('a log written before sessions voided certifications replays to a challenge that counts no more', () => {
    const issued = new Node().events(issue('certification'), T0);
    const challenge = challengeOf(issued);
    // Lost, then joined again, with no voiding event, as capacity wrote it then.
    const before: NodeEvent[] = [
      registered,
      joined,
      ...issued,
      { type: 'capacity.NodeLost', data: { nodeId: 'n1', sessionId: 's0', lastHeartbeatAt: null } },
    ];
    expect(new Node(before).decide(proofOf(challenge).commit, T0 + 2)).toMatchObject({
      ...refused,
      message: expect.stringMatching(/issued in session s0 .* no longer its session/),
    });
    const node = new Node([
      ...before,
      { type: 'capacity.SessionStarted', data: { nodeId: 'n1', sessionId: 's1' } },
    ]);
    expect(node.decide(proofOf(challenge).commit, T0 + 4)).toMatchObject(refused);
    // A new certification does not wait for the voided one's deadline.
    expect(node.events(issue('certification'), T0 + 5)).toEqual([
      voided(/its session ended/),
      expect.objectContaining({ type: 'capacity.ChallengeIssued' }),
    ]);
    expect(node.state.challenge).toMatchObject({ purpose: 'certification', sessionId: 's1' });
  });
});

describe('a spot challenge stays due whatever happens to the session: nothing sells unchecked', () => {
  it('joining again does not end a spot check: it still fails, with a breach, past its deadline', () => {
    const node = certifiedNode();
    const spot = challengeOf(node.events(issue('spot'), T0 + 1_000));
    expect(types(node.events(join('s1'), T0 + 1_001))).toEqual(['capacity.SessionStarted']);
    expect(node.state.challenge).toMatchObject({ purpose: 'spot', challenge: { id: spot.id } });
    expect(node.decide(issue('certification'), T0 + 1_002)).toMatchObject({
      kind: 'rejected',
      code: 'ALREADY_EXISTS',
    });
    expect(node.events(expire(spot.id), spot.deadline + 1)).toEqual([
      expect.objectContaining({
        type: 'capacity.NodeCertificationFailed',
        data: expect.objectContaining({ purpose: 'spot', reason: 'DEADLINE_MISSED' }),
      }),
      expect.objectContaining({
        type: 'capacity.SlaBreached',
        data: expect.objectContaining({ reason: 'CHALLENGE_FAILED' }),
      }),
    ]);
  });

  it('losing the session during a spot check breaches the node, and the check stays due', () => {
    const node = certifiedNode();
    const spot = challengeOf(node.events(issue('spot'), T0 + 1_000));
    expect(types(node.events(lost('s0'), T0 + 1_001))).toEqual(['capacity.NodeLost', 'capacity.SlaBreached']);
    expect(node.state.challenge).toMatchObject({ purpose: 'spot', challenge: { id: spot.id } });
    node.events(join('s1'), T0 + 1_002);
    // Answered from the new session, it passes; it lifts no suspension.
    expect(types(answer(node, spot, T0 + 1_010))).toEqual(['capacity.SpotChallengePassed']);
    expect(node.state.suspended).toMatchObject({ reason: 'NODE_LOST' });
  });
});
