import type { ChallengeSizing, OpenRequest } from '@gpux/certification';
import { createNodeDecider, type NodeCommand } from './node.decider';
import {
  answer,
  challengeOf,
  HASH,
  issue,
  join,
  proofOf,
  joined,
  Node,
  registered,
  T0,
} from './node-certification.fixture';

describe('node certification by challenge', () => {
  it('certifies an honest answer with the throughput measured on its own clock, graded against the model', () => {
    const node = new Node();
    const challenge = challengeOf(node.events(issue('certification'), T0));
    expect(challenge).toMatchObject({
      version: 3,
      n: 48,
      products: 5,
      precision: 'f32',
      claimedTflops: 0.001,
      issuedAt: T0,
    });
    const events = answer(node, challenge, T0 + 4);
    expect(events).toEqual([
      {
        type: 'capacity.NodeCertified',
        data: expect.objectContaining({
          nodeId: 'n1',
          method: 'challenge',
          tier: 'bronze',
          expiresAt: new Date(T0 + 14 + 86_400_000).toISOString(),
        }),
      },
    ]);
    const certified = events[0]!.data as { tflopsPerGpu: { f32: number }; efficiency: number };
    // The node declares 8 GPUs: what it delivered, over 8.
    expect(certified.tflopsPerGpu.f32).toBeCloseTo((5 * 2 * 48 ** 3) / 0.004 / 1e12 / 8, 12);
    expect(certified.efficiency).toBeCloseTo(certified.tflopsPerGpu.f32 / 66.9, 12);
  });

  it('keeps of a commitment only its fields: one padded to the size of a record still makes an event that fits', () => {
    const node = new Node();
    const challenge = challengeOf(node.events(issue('certification'), T0));
    const { commit, open } = proofOf(challenge);
    const sent = commit.data as { commitment: Record<string, unknown> };
    // What a worker may send: any keys beside the protocol's (the command's schema bounds nesting only).
    const padded = {
      ...commit,
      data: { ...sent, commitment: { ...sent.commitment, pad: 'x'.repeat(986_000) } },
    } as unknown as NodeCommand;
    const committed = node.events(padded, T0 + 2);
    const event = committed.find((e) => e.type === 'capacity.ChallengeCommitted');
    expect(Object.keys((event?.data as { commitment: object }).commitment).sort()).toEqual([
      'challengeId',
      'computeMs',
      'root',
      'seed',
      'totalMs',
    ]);
    expect(JSON.stringify(event).length).toBeLessThan(50_000);
    expect(node.events(open(committed), T0 + 4).map((e) => e.type)).toEqual(['capacity.NodeCertified']);
  });

  it('fails wrong rows, a replayed answer and a late commitment, and does not certify', () => {
    const wrong = new Node();
    const c1 = challengeOf(wrong.events(issue('certification'), T0));
    // Half of every product's rows not computed: caught unless none of the 128 opened rows is one.
    expect(answer(wrong, c1, T0 + 4, { c: (c) => c.fill(0, 0, (48 * 48) / 2) })).toMatchObject([
      { type: 'capacity.NodeCertificationFailed', data: { reason: 'ROW_MISMATCH' } },
    ]);
    expect(wrong.state.certification).toBeNull();

    const replay = new Node();
    const c2 = challengeOf(replay.events(issue('certification'), T0));
    expect(answer(replay, c2, T0 + 4, { seed: 'fedcba9876543210fedcba9876543210' })).toMatchObject([
      { type: 'capacity.NodeCertificationFailed', data: { reason: 'ROW_MISMATCH' } },
    ]);

    const slow = new Node();
    const c3 = challengeOf(slow.events(issue('certification'), T0));
    expect(answer(slow, c3, c3.deadline + 1)).toMatchObject([
      {
        type: 'capacity.NodeCertificationFailed',
        data: { reason: 'DEADLINE_MISSED', purpose: 'certification' },
      },
    ]);
  });

  it('judges a commitment and its opening as the gateway received them, not at a decision that a pause of capacity delayed', () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    const received = <C extends NodeCommand>(command: C, at: number): C =>
      ({ ...command, data: { ...command.data, receivedAt: iso(at) } }) as C;
    // Received in time, decided 2.5 s past the deadlines: committed, then certified, measured to its receipt.
    const paused = new Node();
    const c = challengeOf(paused.events(issue('certification'), T0));
    const { commit, open } = proofOf(c);
    const committed = paused.events(received(commit, T0 + 4), c.deadline + 2_500);
    expect(committed.map((e) => e.type)).toEqual(['capacity.ChallengeCommitted']);
    const request = (committed[0]!.data as unknown as { request: OpenRequest }).request;
    expect(request.committedAt).toBe(T0 + 4);
    expect(
      paused.events(received(open(committed), T0 + 6), request.respondBy + 2_500).map((e) => e.type),
    ).toEqual(['capacity.NodeCertified']);
    // Received after the deadline: late, however soon it is decided.
    const late = new Node();
    const l = challengeOf(late.events(issue('certification'), T0));
    expect(late.events(received(proofOf(l).commit, l.deadline + 1), l.deadline + 2)).toMatchObject([
      { type: 'capacity.NodeCertificationFailed', data: { reason: 'DEADLINE_MISSED' } },
    ]);
  });

  it('allows one challenge at a time, until it is overdue', () => {
    const node = new Node();
    const c = challengeOf(node.events(issue('certification'), T0));
    expect(node.decide(issue('certification'), T0 + 1)).toMatchObject({
      kind: 'rejected',
      code: 'ALREADY_EXISTS',
    });
    expect(node.events(issue('certification'), c.deadline + 1).map((e) => e.type)).toEqual([
      'capacity.NodeCertificationFailed',
      'capacity.ChallengeIssued',
    ]);
  });

  it('breaches the SLA when a spot challenge fails or the node is lost, once, until it recertifies', () => {
    const node = new Node();
    answer(node, challengeOf(node.events(issue('certification'), T0)), T0 + 4);
    node.events(join('s1'), T0 + 100);
    const spot = challengeOf(node.events(issue('spot'), T0 + 1_000));
    expect(spot.deadline - spot.issuedAt).toBeGreaterThanOrEqual(2_000);
    expect(
      node.events(
        { type: 'capacity.ExpireChallenge', data: { nodeId: 'n1', challengeId: spot.id } },
        spot.deadline + 1,
      ),
    ).toEqual([
      expect.objectContaining({ type: 'capacity.NodeCertificationFailed' }),
      {
        type: 'capacity.SlaBreached',
        data: {
          nodeId: 'n1',
          providerId: 'prov',
          marketId: 'h100',
          reason: 'CHALLENGE_FAILED',
          detail: expect.any(String),
          at: new Date(spot.deadline + 1).toISOString(),
        },
      },
    ]);
    const lost = node.events(
      {
        type: 'capacity.DeclareNodeLost',
        data: { nodeId: 'n1', sessionId: 's1', lastHeartbeatAt: '2026-06-01T00:00:05.000Z' },
      },
      T0 + 60_000,
    );
    expect(lost.map((e) => e.type)).toEqual(['capacity.NodeLost']);
    expect(
      node.decide(
        { type: 'capacity.DeclareNodeLost', data: { nodeId: 'n1', sessionId: 's1', lastHeartbeatAt: null } },
        T0 + 61_000,
      ),
    ).toMatchObject({ kind: 'rejected', code: 'NOT_FOUND' });
    expect(node.decide(issue('certification'), T0 + 70_000)).toMatchObject({
      kind: 'rejected',
      code: 'FORBIDDEN',
      field: 'nodeId',
    });
    node.events(join('s2'), T0 + 70_000);
    answer(node, challengeOf(node.events(issue('certification'), T0 + 70_000)), T0 + 70_004);
    expect(node.state.suspended).toBeNull();
  });

  it('refuses a revoked node and accepts it again after rotation', () => {
    const node = new Node();
    node.events(
      {
        type: 'capacity.RevokeNodeCredential',
        data: { nodeId: 'n1', providerId: 'prov', revokedBy: 'provider' },
      },
      T0,
    );
    expect(node.decide(issue('certification'), T0)).toMatchObject({ kind: 'rejected', code: 'FORBIDDEN' });
    expect(
      node.decide(
        {
          type: 'capacity.RevokeNodeCredential',
          data: { nodeId: 'n1', providerId: 'other', revokedBy: 'admin' },
        },
        T0,
      ),
    ).toMatchObject({ kind: 'rejected', code: 'FORBIDDEN' });
    // Another provider's revocation (no revokedBy: a provider's, as before v2) is refused too.
    expect(
      node.decide({ type: 'capacity.RevokeNodeCredential', data: { nodeId: 'n1', providerId: 'other' } }, T0),
    ).toMatchObject({ kind: 'rejected', code: 'FORBIDDEN', message: 'node n1 belongs to another provider' });
    node.events(
      {
        type: 'capacity.RotateNodeCredential',
        data: { nodeId: 'n1', providerId: 'prov', credentialHash: 'b'.repeat(64) },
      },
      T0,
    );
    // Revocation ended the session: the worker joins again with the new credential.
    expect(node.decide(issue('certification'), T0)).toMatchObject({ kind: 'rejected', code: 'FORBIDDEN' });
    node.events(join('s1'), T0);
    expect(node.decide(issue('certification'), T0)).toMatchObject({ kind: 'accepted' });
  });

  it('suspends a selling node whose credential is revoked, until it rotates and recertifies', () => {
    const node = new Node();
    answer(node, challengeOf(node.events(issue('certification'), T0)), T0 + 4);
    const revoked = node.events(
      {
        type: 'capacity.RevokeNodeCredential',
        data: { nodeId: 'n1', providerId: 'prov', revokedBy: 'provider' },
      },
      T0 + 1_000,
    );
    expect(revoked).toEqual([
      {
        type: 'capacity.NodeCredentialRevoked',
        data: { nodeId: 'n1', credentialHash: HASH, revokedBy: 'provider' },
      },
      {
        type: 'capacity.SlaBreached',
        data: {
          nodeId: 'n1',
          providerId: 'prov',
          marketId: 'h100',
          reason: 'CREDENTIAL_REVOKED',
          detail: expect.any(String),
          at: new Date(T0 + 1_000).toISOString(),
        },
      },
    ]);
    node.events(
      {
        type: 'capacity.RotateNodeCredential',
        data: { nodeId: 'n1', providerId: 'prov', credentialHash: 'b'.repeat(64) },
      },
      T0 + 2_000,
    );
    expect(node.state.suspended).toMatchObject({ reason: 'CREDENTIAL_REVOKED' });
    node.events(join('s1'), T0 + 2_000);
    answer(node, challengeOf(node.events(issue('certification'), T0 + 3_000)), T0 + 3_004);
    expect(node.state.suspended).toBeNull();
  });

  it('the operator revokes a selling node’s credential as its provider would, recorded as the operator’s', () => {
    const node = new Node();
    answer(node, challengeOf(node.events(issue('certification'), T0)), T0 + 4);
    const revoked = node.events(
      {
        type: 'capacity.RevokeNodeCredential',
        data: { nodeId: 'n1', providerId: 'prov', revokedBy: 'admin' },
      },
      T0 + 1_000,
    );
    expect(revoked).toEqual([
      {
        type: 'capacity.NodeCredentialRevoked',
        data: { nodeId: 'n1', credentialHash: HASH, revokedBy: 'admin' },
      },
      {
        type: 'capacity.SlaBreached',
        data: {
          nodeId: 'n1',
          providerId: 'prov',
          marketId: 'h100',
          reason: 'CREDENTIAL_REVOKED',
          detail: 'the operator (an admin key) revoked the node credential',
          at: new Date(T0 + 1_000).toISOString(),
        },
      },
    ]);
    expect(node.state.suspended).toMatchObject({ reason: 'CREDENTIAL_REVOKED' });
    expect(node.state.credentialHash).toBeNull();
    // Its provider's revocation says it was theirs.
    const other = new Node();
    answer(other, challengeOf(other.events(issue('certification'), T0)), T0 + 4);
    const byProvider = other.events(
      {
        type: 'capacity.RevokeNodeCredential',
        data: { nodeId: 'n1', providerId: 'prov', revokedBy: 'provider' },
      },
      T0 + 1_000,
    );
    expect(byProvider[1]?.data).toMatchObject({ detail: 'the provider revoked the node credential' });
    // A provider's revocation names no one (the request it was before v2): recorded as its provider's.
    const unnamed = new Node();
    answer(unnamed, challengeOf(unnamed.events(issue('certification'), T0)), T0 + 4);
    const plain = unnamed.events(
      { type: 'capacity.RevokeNodeCredential', data: { nodeId: 'n1', providerId: 'prov' } },
      T0 + 1_000,
    );
    expect(plain[0]?.data).toMatchObject({ revokedBy: 'provider' });
    expect(plain[1]?.data).toMatchObject({ detail: 'the provider revoked the node credential' });
  });

  it("refuses an administrator's certificate for a node whose credential is revoked, until it is rotated", () => {
    const node = new Node();
    const mark = {
      type: 'capacity.MarkNodeCertified',
      data: { nodeId: 'n1', tflopsPerGpu: 300, validForMs: 3_600_000 },
    } as const;
    node.events(mark, T0);
    node.events(
      {
        type: 'capacity.RevokeNodeCredential',
        data: { nodeId: 'n1', providerId: 'prov', revokedBy: 'provider' },
      },
      T0 + 1,
    );
    expect(node.state.suspended).toMatchObject({ reason: 'CREDENTIAL_REVOKED' });
    expect(node.decide(mark, T0 + 2)).toMatchObject({ kind: 'rejected', code: 'FORBIDDEN', field: 'nodeId' });
    expect(node.state.suspended).toMatchObject({ reason: 'CREDENTIAL_REVOKED' });
    node.events(
      {
        type: 'capacity.RotateNodeCredential',
        data: { nodeId: 'n1', providerId: 'prov', credentialHash: 'b'.repeat(64) },
      },
      T0 + 3,
    );
    expect(node.events(mark, T0 + 4).map((e) => e.type)).toEqual(['capacity.NodeCertified']);
    expect(node.state.suspended).toBeNull();
  });

  it('does not breach a node that was not selling when its credential is revoked', () => {
    const node = new Node();
    expect(
      node
        .events(
          {
            type: 'capacity.RevokeNodeCredential',
            data: { nodeId: 'n1', providerId: 'prov', revokedBy: 'provider' },
          },
          T0,
        )
        .map((e) => e.type),
    ).toEqual(['capacity.NodeCredentialRevoked']);
  });

  it('certifies only a node whose worker has joined: one that never joins is never watched, so never certified', () => {
    const unjoined = new Node([registered]);
    expect(unjoined.decide(issue('certification'), T0)).toMatchObject({
      kind: 'rejected',
      code: 'FORBIDDEN',
      field: 'nodeId',
      message: expect.stringMatching(/joinSession/),
    });
  });

  it('bounds the claim: at most 1.25 × the model peak × GPUs, at least the market minimum × GPUs', () => {
    const node = new Node();
    // H100-80GB: 66.9 TFLOP/s f32 per GPU, 8 GPUs: 669 at most.
    expect(node.decide(issue('certification', 669.1), T0)).toMatchObject({
      kind: 'rejected',
      code: 'BAD_USER_INPUT',
      field: 'claimedTflops',
      message: expect.stringMatching(/more than 1.25/),
    });
    const withMinimum = (claimedTflops: number) =>
      issue('certification', claimedTflops, undefined, { requiredTflopsPerGpu: 40 });
    // A claim of one GPU's worth at the minimum is not 8 GPUs' worth.
    expect(node.decide(withMinimum(40), T0)).toMatchObject({
      kind: 'rejected',
      code: 'BAD_USER_INPUT',
      field: 'claimedTflops',
      message: expect.stringMatching(/below what the market requires/),
    });
    expect(node.decide(withMinimum(320), T0)).toMatchObject({ kind: 'accepted' });
  });

  it('refuses a claim so low that its challenge would park the node beyond the cap', () => {
    const node = new Node();
    const parked: NodeCommand = {
      type: 'capacity.IssueChallenge',
      data: {
        nodeId: 'n1',
        purpose: 'certification',
        claimedTflops: 1e-9,
        n: 512,
        seed: '0123456789abcdef0123456789abcdef',
      },
    };
    expect(node.decide(parked, T0)).toMatchObject({
      kind: 'rejected',
      code: 'BAD_USER_INPUT',
      field: 'claimedTflops',
      message: expect.stringMatching(/300 s cap/),
    });
    expect(node.state.challenge).toBeNull();
  });

  it('sizes a challenge that comes without a size from its claim, by the sizing it was configured with', () => {
    const sized = (claimedTflops: number, sizing?: ChallengeSizing) => {
      const d = createNodeDecider({
        certificateValidityMs: 1,
        spotNoticeMs: 1,
        ...(sizing ? { sizing } : {}),
      });
      const state = [registered, joined].reduce((s, e) => d.evolve(s, e), d.initialState());
      const command: NodeCommand = {
        type: 'capacity.IssueChallenge',
        data: {
          nodeId: 'n1',
          purpose: 'certification',
          claimedTflops,
          seed: '0123456789abcdef0123456789abcdef',
        },
      };
      const decision = d.decide(command, state, { now: new Date(T0) });
      if (decision.kind !== 'accepted') throw new Error(decision.message);
      return challengeOf(decision.events).n;
    };
    // By default 1024 to 8192, products of at least 5 ms at the claim.
    expect(sized(0.01)).toBe(1024);
    expect(sized(2)).toBe(2048);
    expect(sized(400)).toBe(8192);
    expect(sized(2, { minSize: 64, maxSize: 1024, productMs: 1 })).toBe(1024);
    expect(sized(0.01, { minSize: 64, maxSize: 1024, productMs: 1 })).toBe(256);
    // A size given (a spot check's, its certificate's) is kept.
    const node = new Node();
    expect(challengeOf(node.events(issue('certification', 400), T0)).n).toBe(48);
  });

  it('never lets a certification in flight hold off a spot check: the spot challenge supersedes it, recorded once the check is fetched', () => {
    const node = new Node();
    answer(node, challengeOf(node.events(issue('certification'), T0)), T0 + 4);
    const pending = challengeOf(node.events(issue('certification', 100), T0 + 1_000));
    const spotEvents = node.events(issue('spot', 0.001, 'fedcba9876543210fedcba9876543210'), T0 + 1_001);
    // Nothing is recorded of the certification yet (rules/unseen-supersede.ts): its record would
    // tell the provider that a check was coming before its worker fetched it.
    expect(spotEvents).toEqual([
      expect.objectContaining({
        type: 'capacity.ChallengeIssued',
        data: expect.objectContaining({ purpose: 'spot' }),
      }),
    ]);
    const spot = challengeOf(spotEvents);
    expect(node.state.challenge).toMatchObject({ purpose: 'spot', supersedes: pending.id });
    // It is ended all the same: its steps are refused as a challenge no longer in flight.
    const commit: NodeCommand = {
      type: 'capacity.CommitChallenge',
      data: { nodeId: 'n1', challengeId: pending.id, commitment: {}, openSeed: 'f'.repeat(32) },
    };
    expect(node.decide(commit, T0 + 1_002)).toMatchObject({
      kind: 'rejected',
      code: 'NOT_FOUND',
      field: 'challengeId',
    });
    // Fetched: recorded then, and the check stays in flight, its clock started.
    expect(
      node.events(
        { type: 'capacity.DeliverChallenge', data: { nodeId: 'n1', challengeId: spot.id } },
        T0 + 1_003,
      ),
    ).toEqual([
      {
        type: 'capacity.NodeCertificationFailed',
        data: {
          nodeId: 'n1',
          challengeId: pending.id,
          purpose: 'certification',
          reason: 'SUPERSEDED',
          detail: `ended by spot challenge ${spot.id}`,
        },
      },
      expect.objectContaining({ type: 'capacity.ChallengeDelivered' }),
    ]);
    expect(node.state.challenge).toMatchObject({ purpose: 'spot', delivered: true });
    expect(node.state.challenge).not.toHaveProperty('supersedes');
    // A spot check in flight is not superseded by another one, nor by a certification.
    expect(node.decide(issue('spot'), T0 + 1_002)).toMatchObject({
      kind: 'rejected',
      code: 'ALREADY_EXISTS',
    });
    expect(node.decide(issue('certification'), T0 + 1_002)).toMatchObject({
      kind: 'rejected',
      code: 'ALREADY_EXISTS',
    });
    expect(node.state.suspended).toBeNull();
  });

  it('records the certification a spot check ended before the check, when the check ends unfetched', () => {
    const node = new Node();
    answer(node, challengeOf(node.events(issue('certification'), T0)), T0 + 4);
    const pending = challengeOf(node.events(issue('certification', 100), T0 + 1_000));
    const spot = challengeOf(
      node.events(issue('spot', 0.001, 'fedcba9876543210fedcba9876543210'), T0 + 1_001),
    );
    const expired = node.events(
      { type: 'capacity.ExpireChallenge', data: { nodeId: 'n1', challengeId: spot.id } },
      spot.deadline + 1,
    );
    expect(expired.map((e) => [e.type, (e.data as { challengeId?: string }).challengeId])).toEqual([
      ['capacity.NodeCertificationFailed', pending.id],
      ['capacity.NodeCertificationFailed', spot.id],
      ['capacity.SlaBreached', undefined],
    ]);
    expect(node.state.challenge).toBeNull();
  });
});
