import type { NodeCertified } from '@gpux/contracts';
import type { NodeCommand, NodeEvent } from './node.decider';
import { answer, challengeOf, decider, issue, Node, proofOf, T0 } from './node-certification.fixture';

const certify = (
  precision: 'f32' | 'f16' | undefined,
  claimedTflops = 0.001,
  requiredTflopsPerGpu?: number,
) =>
  issue('certification', claimedTflops, undefined, {
    ...(precision ? { precision } : {}),
    ...(requiredTflopsPerGpu !== undefined ? { requiredTflopsPerGpu } : {}),
  });
const figuresOf = (events: { type: string; data: unknown }[]) =>
  (
    events.find((e) => e.type === 'capacity.NodeCertified')?.data as {
      tflopsPerGpu: { f32: number; f16?: number };
    }
  ).tflopsPerGpu;

describe('f16 certification: certified apart from f32, so markets can price either', () => {
  it('a certification without a precision is f32; one of f16 issues an f16 challenge', () => {
    expect(challengeOf(new Node().events(certify(undefined), T0)).precision).toBe('f32');
    expect(challengeOf(new Node().events(certify('f16'), T0)).precision).toBe('f16');
  });

  it('an f16 certificate adds the f16 figure and keeps the f32 one; a later f32 one keeps the f16 figure', () => {
    const node = new Node();
    const f32 = figuresOf(answer(node, challengeOf(node.events(certify('f32'), T0)), T0 + 4));
    expect(f32.f16).toBeUndefined();
    const both = figuresOf(answer(node, challengeOf(node.events(certify('f16'), T0 + 100)), T0 + 102));
    expect(both.f32).toBe(f32.f32);
    expect(both.f16).toBeGreaterThan(0);
    const again = figuresOf(answer(node, challengeOf(node.events(certify('f32'), T0 + 200)), T0 + 208));
    expect(again.f16).toBe(both.f16);
    expect(again.f32).not.toBe(f32.f32);
  });

  it("an f16 certificate keeps the f32 one's efficiency and tier: the grade is the f32 figure's", () => {
    const node = new Node();
    const certified = (events: { type: string; data: unknown }[]) =>
      events.find((e) => e.type === 'capacity.NodeCertified')?.data as NodeCertified;
    const f32 = certified(answer(node, challengeOf(node.events(certify('f32'), T0)), T0 + 4));
    const f16 = certified(answer(node, challengeOf(node.events(certify('f16'), T0 + 100)), T0 + 102));
    expect(f32.efficiency).toBeGreaterThan(0);
    expect({ efficiency: f16.efficiency, tier: f16.tier }).toEqual({
      efficiency: f32.efficiency,
      tier: f32.tier,
    });
  });

  it('the certificate keeps the size of the f32 challenge that measured its f32 figure, where spot checks re-measure', () => {
    const node = new Node();
    const sizeOf = (events: { type: string; data: unknown }[]) =>
      (events.find((e) => e.type === 'capacity.NodeCertified')?.data as { challengeSize?: number })
        .challengeSize;
    const at = (precision: 'f32' | 'f16', n: number, t: number) =>
      sizeOf(
        answer(
          node,
          challengeOf(node.events(issue('certification', 0.001, undefined, { precision, n }), t)),
          t + 4,
        ),
      );
    expect(at('f32', 48, T0)).toBe(48);
    expect(at('f16', 32, T0 + 100)).toBe(48);
    expect(at('f32', 40, T0 + 200)).toBe(40);
  });

  it('spot checks re-measure f32, whatever the node certified last', () => {
    const node = new Node();
    answer(node, challengeOf(node.events(certify('f16'), T0)), T0 + 4);
    const spot = node.events(issue('spot', 0.001, undefined, { precision: 'f16' }), T0 + 1_000);
    expect(challengeOf(spot).precision).toBe('f32');
  });

  it("bounds an f16 claim by the model's f16 peak, and not by the market's f32 minimum", () => {
    const node = new Node();
    // H100-80GB: 989.4 f16 per GPU (tensor cores), 8 GPUs: 1.25 × 7,915.2 = 9,894 at most; f32
    // allows 669.
    expect(node.decide(certify('f16', 9_890), T0)).toMatchObject({ kind: 'accepted' });
    expect(new Node().decide(certify('f16', 9_895), T0)).toMatchObject({
      kind: 'rejected',
      code: 'BAD_USER_INPUT',
      field: 'claimedTflops',
      message: expect.stringMatching(/989.4 f16/),
    });
    // The market asks 40 f32 TFLOP/s per GPU: an f16 claim below 8 × 40 is not refused for it.
    expect(new Node().decide(certify('f16', 100, 40), T0)).toMatchObject({ kind: 'accepted' });
    expect(new Node().decide(certify('f32', 100, 40), T0)).toMatchObject({
      kind: 'rejected',
      message: expect.stringMatching(/below what the market requires/),
    });
  });
});

describe('f16 certification: only an f32 one renews the f32 certificate or lifts a suspension', () => {
  const certificateOf = (events: NodeEvent[]) =>
    events.find((e) => e.type === 'capacity.NodeCertified')?.data as NodeCertified;
  const expire = (challengeId: string): NodeCommand => ({
    type: 'capacity.ExpireChallenge',
    data: { nodeId: 'n1', challengeId },
  });

  it('keeps the f32 figure, its size and its expiry: an f16 certificate is no f32 renewal', () => {
    const node = new Node();
    const f32 = certificateOf(answer(node, challengeOf(node.events(certify('f32'), T0)), T0 + 4));
    const f16 = certificateOf(
      answer(node, challengeOf(node.events(certify('f16'), T0 + 60_000)), T0 + 60_004),
    );
    expect(f16.tflopsPerGpu).toEqual({ f32: f32.tflopsPerGpu.f32, f16: expect.any(Number) });
    expect(f16.challengeSize).toBe(f32.challengeSize);
    expect(f16.expiresAt).toBe(f32.expiresAt);
  });

  it('keeps the f32 certificate of an administrator too', () => {
    const node = new Node();
    const admin = certificateOf(
      node.events(
        {
          type: 'capacity.MarkNodeCertified',
          data: { nodeId: 'n1', tflopsPerGpu: 50, validForMs: 3_600_000 },
        },
        T0,
      ),
    );
    const f16 = certificateOf(answer(node, challengeOf(node.events(certify('f16'), T0 + 100)), T0 + 104));
    expect(f16).toMatchObject({
      tflopsPerGpu: { f32: 50 },
      challengeSize: admin.challengeSize,
      expiresAt: admin.expiresAt,
    });
  });

  it('refuses an f16 certification of a node suspended by a failed f32 spot check, until f32 recertifies it', () => {
    const node = new Node();
    answer(node, challengeOf(node.events(certify('f32'), T0)), T0 + 4);
    const spot = challengeOf(node.events(issue('spot'), T0 + 1_000));
    node.events(expire(spot.id), spot.deadline + 1);
    const suspended = node.state;
    expect(suspended.suspended).toMatchObject({ reason: 'CHALLENGE_FAILED' });
    expect(node.decide(certify('f16'), spot.deadline + 10)).toMatchObject({
      kind: 'rejected',
      code: 'FORBIDDEN',
      field: 'precision',
      message: expect.stringMatching(/only an f32 certification lifts a suspension/),
    });
    expect(node.state).toBe(suspended);
    answer(node, challengeOf(node.events(certify('f32'), spot.deadline + 20)), spot.deadline + 24);
    expect(node.state.suspended).toBeNull();
    expect(node.decide(certify('f16'), spot.deadline + 100)).toMatchObject({ kind: 'accepted' });
  });

  it('refuses an f16 certification whose issue would abandon an overdue spot check, and so suspend the node: f32 certifies at once', () => {
    const node = new Node();
    answer(node, challengeOf(node.events(certify('f32'), T0)), T0 + 4);
    const spot = challengeOf(node.events(issue('spot'), T0 + 1_000));
    const before = node.state;
    expect(node.decide(certify('f16'), spot.deadline + 1)).toMatchObject({
      kind: 'rejected',
      code: 'FORBIDDEN',
      field: 'precision',
      message: expect.stringMatching(/is suspended: only an f32 certification lifts a suspension$/),
    });
    expect(node.state).toBe(before);
    // An f32 one abandons the spot check (the breach) and is issued: it is what lifts the suspension.
    expect(node.events(certify('f32'), spot.deadline + 2).map((e) => e.type)).toEqual([
      'capacity.NodeCertificationFailed',
      'capacity.SlaBreached',
      'capacity.ChallengeIssued',
    ]);
  });

  it('refuses the opening of an f16 challenge issued before the node was suspended', () => {
    const node = new Node();
    const f32 = certificateOf(answer(node, challengeOf(node.events(certify('f32'), T0)), T0 + 4));
    const proof = proofOf(challengeOf(node.events(certify('f16'), T0 + 100)));
    const committed = node.events(proof.commit, T0 + 104);
    // As a log written before f16 challenges were refused to suspended nodes could have it.
    node.state = decider.evolve(node.state, {
      type: 'capacity.SlaBreached',
      data: {
        nodeId: 'n1',
        providerId: 'prov',
        marketId: 'h100',
        reason: 'CHALLENGE_FAILED',
        detail: 'spot',
        at: new Date(T0 + 105).toISOString(),
      },
    });
    expect(node.decide(proof.open(committed), T0 + 106)).toMatchObject({
      kind: 'rejected',
      code: 'FORBIDDEN',
      field: 'challengeId',
    });
    expect(node.state.suspended).toMatchObject({ reason: 'CHALLENGE_FAILED' });
    expect(node.state.certification).toEqual(f32);
  });

  it('does not count a node with an f16 figure only as selling: lost, it breaches nothing', () => {
    const node = new Node();
    const f16 = certificateOf(answer(node, challengeOf(node.events(certify('f16'), T0)), T0 + 4));
    expect(f16.tflopsPerGpu.f32).toBe(0);
    // Its own expiry: there is no f32 certificate to keep.
    expect(f16.expiresAt).toBe(new Date(T0 + 14 + 86_400_000).toISOString());
    expect(
      node
        .events(
          {
            type: 'capacity.DeclareNodeLost',
            data: { nodeId: 'n1', sessionId: 's0', lastHeartbeatAt: null },
          },
          T0 + 60_000,
        )
        .map((e) => e.type),
    ).toEqual(['capacity.NodeLost']);
  });
});

describe("a certificate's record names the challenge that granted it and the precision it measured", () => {
  const certificateOf = (events: NodeEvent[]) =>
    events.find((e) => e.type === 'capacity.NodeCertified')?.data as NodeCertified;

  it('a certification by challenge at f32, then at f16: each records its own challenge and precision', () => {
    const node = new Node();
    // Each with a seed of its own: the challenge's id is drawn from it.
    const seeded = (precision: 'f32' | 'f16' | undefined, digit: string) =>
      issue('certification', 0.001, digit.repeat(32), precision ? { precision } : {});
    const c32 = challengeOf(node.events(seeded('f32', '1'), T0));
    const f32 = certificateOf(answer(node, c32, T0 + 4));
    expect(f32).toMatchObject({ method: 'challenge', challengeId: c32.id, precision: 'f32' });
    const c16 = challengeOf(node.events(seeded('f16', '2'), T0 + 100));
    expect(c16.id).not.toBe(c32.id);
    const f16 = certificateOf(answer(node, c16, T0 + 102));
    // The f32 figure it keeps was measured by the first: the record names the one that measured f16.
    expect(f16).toMatchObject({ method: 'challenge', challengeId: c16.id, precision: 'f16' });
    expect(f16.tflopsPerGpu.f32).toBe(f32.tflopsPerGpu.f32);
    // A certification without a precision is f32's, and says so.
    const c = challengeOf(node.events(seeded(undefined, '3'), T0 + 200));
    expect(certificateOf(answer(node, c, T0 + 208))).toMatchObject({ challengeId: c.id, precision: 'f32' });
  });

  it("an administrator's certificate measured nothing: it names no challenge and no precision", () => {
    const node = new Node();
    const admin = certificateOf(
      node.events(
        {
          type: 'capacity.MarkNodeCertified',
          data: { nodeId: 'n1', tflopsPerGpu: 300, validForMs: 3_600_000 },
        },
        T0,
      ),
    );
    expect(admin.method).toBe('admin');
    expect(admin).not.toHaveProperty('challengeId');
    expect(admin).not.toHaveProperty('precision');
  });
});
