import { capacityReadModel as rm, Envelope, leaseEnd, NODE_BREACHES_KEPT_MS } from '@gpux/contracts';
import { applyOps, Model, Published, RedisOp } from '@gpux/eventsourcing/domain';
import { NodeEvent } from './node.decider';
import { nodesProjection } from './nodes.projection';

// A node's sessions, challenges, suspensions and credentials, and the leases orders' trades give it.

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1_000).toISOString();
const first = 'a'.repeat(64);
const second = 'b'.repeat(64);
const envelope = (
  e: NodeEvent | { type: 'orders.TradeExecuted' | 'orders.NodeSuspended'; data: unknown },
  s: number,
): Envelope => ({
  id: `${e.type}@${s}`,
  type: e.type,
  source: e.type.split('.')[0]!,
  subject: 'n1',
  time: at(s),
  schemaVersion: 1,
  correlationId: 'c',
  causationId: 'c',
  data: e.data,
});

describe("nodes projection: a node's life after registration", () => {
  const projection = nodesProjection('capacity.events', 'orders.events');
  const project = (events: Envelope[]) => {
    const model: Model = new Map([[rm.credential(first), new Map([['nodeId', 'n1']])]]);
    const published: Published[] = [];
    const ops: RedisOp[] = [];
    for (const e of events) {
      const some = projection.apply(e);
      ops.push(...some);
      applyOps(model, some, published);
    }
    return { model, published, ops };
  };
  const hash = (model: Model, key: string) =>
    Object.fromEntries((model.get(key) as Map<string, string> | undefined)?.entries() ?? []);

  it('moves the credential to its new digest, and forgets it when revoked', () => {
    const rotated = project([
      envelope(
        {
          type: 'capacity.NodeCredentialRotated',
          data: { nodeId: 'n1', credentialHash: second, previousHash: first },
        },
        1,
      ),
    ]);
    expect(rotated.model.has(rm.credential(first))).toBe(false);
    expect(hash(rotated.model, rm.credential(second))).toEqual({ nodeId: 'n1' });

    const revoked = project([
      envelope({ type: 'capacity.SessionStarted', data: { nodeId: 'n1', sessionId: 's1' } }, 1),
      envelope(
        {
          type: 'capacity.NodeCredentialRevoked',
          data: { nodeId: 'n1', credentialHash: first, revokedBy: 'provider' },
        },
        2,
      ),
    ]);
    expect(revoked.model.has(rm.credential(first))).toBe(false);
    expect(hash(revoked.model, rm.node('n1'))).toEqual({ credentialRevoked: '1', sessionStartedAt: at(1) });
    expect(hash(revoked.model, rm.sessions)).toEqual({});
  });

  it('keeps the session, and its loss', () => {
    const started = project([
      envelope({ type: 'capacity.SessionStarted', data: { nodeId: 'n1', sessionId: 's1' } }, 1),
    ]);
    expect(hash(started.model, rm.node('n1'))).toEqual({ sessionId: 's1', sessionStartedAt: at(1) });
    expect(hash(started.model, rm.sessions)).toEqual({ n1: String(Date.parse(at(1))) });

    const lost = project([
      envelope({ type: 'capacity.SessionStarted', data: { nodeId: 'n1', sessionId: 's1' } }, 1),
      envelope(
        { type: 'capacity.NodeLost', data: { nodeId: 'n1', sessionId: 's1', lastHeartbeatAt: at(1) } },
        9,
      ),
    ]);
    expect(hash(lost.model, rm.node('n1'))).toEqual({
      sessionStartedAt: at(1),
      lostAt: at(9),
      lastBeatAt: at(1),
    });
    expect(hash(lost.model, rm.sessions)).toEqual({});
  });

  it('ends the session when its worker leaves, and forgets the leaving when it joins again', () => {
    const left = project([
      envelope({ type: 'capacity.SessionStarted', data: { nodeId: 'n1', sessionId: 's1' } }, 1),
      envelope({ type: 'capacity.NodeLeft', data: { nodeId: 'n1', sessionId: 's1' } }, 5),
    ]);
    expect(hash(left.model, rm.node('n1'))).toEqual({ sessionStartedAt: at(1), leftAt: at(5) });
    expect(hash(left.model, rm.sessions)).toEqual({});
    expect(left.published).toContainEqual(
      expect.objectContaining({ message: JSON.stringify({ nodeId: 'n1', type: 'capacity.NodeLeft' }) }),
    );

    const back = project([
      envelope({ type: 'capacity.SessionStarted', data: { nodeId: 'n1', sessionId: 's1' } }, 1),
      envelope({ type: 'capacity.NodeLeft', data: { nodeId: 'n1', sessionId: 's1' } }, 5),
      envelope({ type: 'capacity.SessionStarted', data: { nodeId: 'n1', sessionId: 's2' } }, 7),
    ]);
    expect(hash(back.model, rm.node('n1'))).toEqual({ sessionId: 's2', sessionStartedAt: at(7) });
  });

  it("keeps how capacity sizes the session's challenges and watches it, for the gateway to tell its worker", () => {
    const sizing = { minSize: 1024, maxSize: 4096, productMs: 7.5 };
    const heartbeat = { intervalMs: 500, timeoutMs: 3_000 };
    const data = { nodeId: 'n1', sessionId: 's1', sizing, heartbeat };
    const recorded = project([envelope({ type: 'capacity.SessionStarted', data }, 1)]);
    expect(hash(recorded.model, rm.node('n1'))).toEqual({
      sessionId: 's1',
      sessionStartedAt: at(1),
      sessionMinSize: '1024',
      sessionMaxSize: '4096',
      sessionProductMs: '7.5',
      sessionHeartbeatIntervalMs: '500',
      sessionHeartbeatTimeoutMs: '3000',
    });
    // A session an older capacity started says nothing: the last one's settings are not its own.
    const unrecorded = project([
      envelope({ type: 'capacity.SessionStarted', data }, 1),
      envelope({ type: 'capacity.SessionStarted', data: { nodeId: 'n1', sessionId: 's2' } }, 2),
    ]);
    expect(hash(unrecorded.model, rm.node('n1'))).toEqual({ sessionId: 's2', sessionStartedAt: at(2) });
  });

  it('holds the challenge in flight until it fails or passes, each in the certification history', () => {
    const challenge = { id: 'ch1', n: 64 };
    const issued = envelope(
      { type: 'capacity.ChallengeIssued', data: { nodeId: 'n1', purpose: 'spot', challenge } },
      1,
    );
    const committed = envelope(
      {
        type: 'capacity.ChallengeCommitted',
        data: { nodeId: 'n1', challengeId: 'ch1', commitment: { root: 'r' }, request: { rows: [3] } },
      },
      2,
    );
    const inFlight = project([issued, committed]);
    expect(hash(inFlight.model, rm.challenge('n1'))).toEqual({
      id: 'ch1',
      purpose: 'spot',
      challenge: JSON.stringify(challenge),
      request: JSON.stringify({ rows: [3] }),
    });
    // Handed to its worker, a spot check is kept with its clock restarted, and marked delivered.
    const restarted = { ...challenge, issuedAt: 5, deadline: 9 };
    const delivered = envelope(
      {
        type: 'capacity.ChallengeDelivered',
        data: { nodeId: 'n1', challengeId: 'ch1', challenge: restarted },
      },
      2,
    );
    const handed = project([issued, delivered]);
    expect(hash(handed.model, rm.challenge('n1'))).toEqual({
      id: 'ch1',
      purpose: 'spot',
      challenge: JSON.stringify(restarted),
      delivered: '1',
    });
    expect(handed.published.at(-1)?.message).toContain('capacity.ChallengeDelivered');

    const failure = {
      nodeId: 'n1',
      challengeId: 'ch1',
      purpose: 'spot' as const,
      reason: 'ROW_MISMATCH' as const,
      detail: 'row 3',
    };
    const failed = project([
      issued,
      envelope({ type: 'capacity.NodeCertificationFailed', data: failure }, 3),
    ]);
    expect(failed.model.has(rm.challenge('n1'))).toBe(false);
    expect(failed.model.get(rm.certifications('n1'))).toEqual([
      JSON.stringify({ ...failure, ok: false, at: at(3) }),
    ]);

    const pass = { nodeId: 'n1', challengeId: 'ch1', measuredTflops: 900 };
    const passed = project([issued, envelope({ type: 'capacity.SpotChallengePassed', data: pass }, 4)]);
    expect(passed.model.has(rm.challenge('n1'))).toBe(false);
    expect(hash(passed.model, rm.node('n1'))).toEqual({ lastSpotAt: at(4) });
    expect(passed.model.get(rm.certifications('n1'))).toEqual([
      JSON.stringify({ ...pass, purpose: 'spot', ok: true, at: at(4) }),
    ]);
  });

  const trade = (start: number, end: number) =>
    envelope(
      {
        type: 'orders.TradeExecuted',
        data: { nodeId: 'n1', marketId: 'H100', start: at(start), end: at(end) },
      },
      start,
    );
  /** A breach recorded at `s`, dated `since`. */
  const breach = (s: number, reason: 'NODE_LOST' | 'CHALLENGE_FAILED' = 'CHALLENGE_FAILED', since = s) =>
    envelope(
      {
        type: 'capacity.SlaBreached',
        data: { nodeId: 'n1', providerId: 'p1', marketId: 'H100', reason, detail: 'silent', at: at(since) },
      },
      s,
    );

  /** Orders' suspension of the node at `s`: it breaches every lease the node runs. */
  const suspended = (s: number) =>
    envelope(
      {
        type: 'orders.NodeSuspended',
        data: { marketId: 'H100', nodeId: 'n1', reason: 'CHALLENGE_FAILED', at: at(s - 1) },
      },
      s,
    );

  it('suspends a node that broke its SLA, with why and since when', () => {
    const { model } = project([breach(6, 'NODE_LOST', 5)]);
    expect(hash(model, rm.node('n1'))).toEqual({
      status: 'SUSPENDED',
      suspendedReason: 'NODE_LOST',
      suspendedAt: at(5),
    });
    expect(leaseEnd(hash(model, rm.node('n1')))).toBeUndefined();
  });

  it("keeps each breach with its reason through recertifications, where the node's hash keeps only the last", () => {
    // Failed a spot check 60 s in, certified again at 300 s, lost at 500 s (its last beat at 480 s):
    // all before orders ended the lease the first breach fell in.
    const certified = envelope(
      {
        type: 'capacity.NodeCertified',
        data: {
          nodeId: 'n1',
          providerId: 'p1',
          marketId: 'H100',
          gpus: 8,
          tflopsPerGpu: { f32: 312.5 },
          efficiency: null,
          tier: 'bronze',
          expiresAt: at(86_400),
          method: 'admin',
        },
      },
      300,
    );
    const { model } = project([breach(61, 'CHALLENGE_FAILED', 60), certified, breach(500, 'NODE_LOST', 480)]);
    expect(hash(model, rm.node('n1'))).toMatchObject({
      status: 'SUSPENDED',
      suspendedReason: 'NODE_LOST',
      suspendedAt: at(480),
    });
    const breaches = {
      [JSON.stringify({ at: at(60), reason: 'CHALLENGE_FAILED' })]: String(Date.parse(at(60))),
    };
    breaches[JSON.stringify({ at: at(480), reason: 'NODE_LOST' })] = String(Date.parse(at(480)));
    expect(hash(model, rm.nodeBreaches('n1'))).toEqual(breaches);
    // Recertified: the hash drops the reason; the history keeps it.
    const again = project([breach(61, 'CHALLENGE_FAILED', 60), certified]);
    expect(hash(again.model, rm.node('n1'))).not.toHaveProperty('suspendedReason');
    expect(hash(again.model, rm.nodeBreaches('n1'))).toEqual({
      [JSON.stringify({ at: at(60), reason: 'CHALLENGE_FAILED' })]: String(Date.parse(at(60))),
    });
    // A refold (a replay of the same events) keeps the same history.
    const { model: twice } = project([
      breach(61, 'CHALLENGE_FAILED', 60),
      breach(61, 'CHALLENGE_FAILED', 60),
    ]);
    expect(Object.keys(hash(twice, rm.nodeBreaches('n1')))).toHaveLength(1);
  });

  it('keeps the breaches of the longest lease before the latest one, and drops older ones', () => {
    const kept = NODE_BREACHES_KEPT_MS / 1_000;
    const { model } = project([
      breach(60),
      breach(120),
      breach(60 + kept, 'NODE_LOST'),
      breach(120 + kept, 'NODE_LOST'),
    ]);
    expect(Object.values(hash(model, rm.nodeBreaches('n1')))).toEqual(
      [120, 60 + kept, 120 + kept].map((s) => String(Date.parse(at(s)))),
    );
    // 60 s went once a breach came the bound after it; 120 s stays, the bound itself excluded.
    // The longest lease fits within the bound: a breach in it is never dropped while it runs.
    expect(NODE_BREACHES_KEPT_MS).toBeGreaterThan(24 * 366 * 3_600_000);
  });

  it("ends the leases a breach ended, and counts the next lease the node sells once it recertifies, however capacity's and orders' logs interleave in a refold", () => {
    const { model } = project([trade(0, 7_200), suspended(600)]);
    expect(leaseEnd(hash(model, rm.node('n1')))).toBeUndefined();
    // A 2-hour lease breached, then a 1-hour one: the node runs the second, to its own end. Orders'
    // suspension is in the trades' partition, so it is met between them; capacity's breach (its
    // own log) anywhere. Before, the breach ended the leases: met last, the running lease looked
    // ended (no spot checks); met first, the breached lease looked running to its end.
    const ordersLog = [trade(0, 7_200), suspended(600), trade(900, 4_500)];
    for (let i = 0; i <= ordersLog.length; i++) {
      const interleaved = [...ordersLog.slice(0, i), breach(599), ...ordersLog.slice(i)];
      const { model: folded } = project(interleaved);
      expect([i, leaseEnd(hash(folded, rm.node('n1')))]).toEqual([i, Date.parse(at(4_500))]);
    }
  });

  it("keeps the end of the node's latest lease from orders' trades, and announces only its own events", () => {
    const { model, published } = project([trade(0, 7_200), trade(1, 3_600)]);
    expect(hash(model, rm.node('n1'))).toEqual({
      leasedUntilMs: String(Date.parse(at(7_200))),
      leasedFromMs: String(Date.parse(at(1))),
    });
    expect(leaseEnd(hash(model, rm.node('n1')))).toBe(Date.parse(at(7_200)));
    expect(published).toEqual([]);

    const own = project([
      envelope({ type: 'capacity.SessionStarted', data: { nodeId: 'n1', sessionId: 's1' } }, 1),
    ]);
    expect(own.published).toEqual([
      {
        channel: rm.nodeChannel('n1'),
        message: JSON.stringify({ nodeId: 'n1', type: 'capacity.SessionStarted' }),
      },
    ]);
  });
});
