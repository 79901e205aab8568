import { deliveredUntil } from './delivered-until';

const T = Date.parse('2026-06-01T12:00:00.000Z');
const at = (s: number) => new Date(T + s * 1_000).toISOString();

describe('the delivery rule of the meter', () => {
  it('charges a node no worker watches (an administrator certified it) up to the delayed clock', () => {
    expect(deliveredUntil(T + 60_000, T, { beat: null })).toBe(T + 60_000);
    // Its last session ended before this lease began: nothing watches it during the lease.
    expect(deliveredUntil(T + 60_000, T, { lostAt: at(-10), leftAt: at(-5), beat: at(-10) })).toBe(
      T + 60_000,
    );
  });

  it('charges a watched node no further than its last heartbeat, nor past the delayed clock', () => {
    expect(deliveredUntil(T + 60_000, T, { sessionId: 's1', beat: at(90) })).toBe(T + 60_000);
    // Silent since 40 s in (capacity has not declared it lost yet, or its breach is on its way).
    expect(deliveredUntil(T + 60_000, T, { sessionId: 's1', beat: at(40) })).toBe(T + 40_000);
  });

  it('a session lost or left during the lease still bounds it by the last heartbeat', () => {
    expect(deliveredUntil(T + 60_000, T, { lostAt: at(50), beat: at(30) })).toBe(T + 30_000);
    expect(deliveredUntil(T + 60_000, T, { leftAt: at(45), beat: at(44) })).toBe(T + 44_000);
  });

  it("never charges past the node's breach: during the lease, or while the node is suspended", () => {
    // A spot check failed 45 s in; the worker beats on, the breach has not reached settlement yet.
    const failed = { sessionId: 's1', beat: at(90), status: 'SUSPENDED', suspendedAt: at(45) };
    expect(deliveredUntil(T + 60_000, T, failed)).toBe(T + 45_000);
    // Its credential revoked 45 s in: no session, nothing watched it (an administrator's certificate).
    expect(deliveredUntil(T + 60_000, T, { beat: null, status: 'SUSPENDED', suspendedAt: at(45) })).toBe(
      T + 45_000,
    );
    // Breached and certified again during the lease (the breach ends it all the same).
    expect(deliveredUntil(T + 60_000, T, { beat: null, status: 'CERTIFIED', suspendedAt: at(45) })).toBe(
      T + 45_000,
    );
    // Breached before the lease began (a trade the market made before it heard of the breach).
    expect(deliveredUntil(T + 60_000, T, { beat: null, status: 'SUSPENDED', suspendedAt: at(-5) })).toBe(
      T - 5_000,
    );
    // An old breach of a node certified again since sold this lease: as before.
    expect(deliveredUntil(T + 60_000, T, { beat: null, status: 'CERTIFIED', suspendedAt: at(-5) })).toBe(
      T + 60_000,
    );
  });

  it('charges no further than the first breach during the lease, though the node was certified and breached again', () => {
    // A spot check failed 45 s in; certified again, then lost 100 s in: capacity's hash shows the
    // last breach, its history both. Orders has not ended the lease yet.
    const node = {
      sessionId: 's1',
      beat: at(90),
      status: 'SUSPENDED',
      suspendedAt: at(100),
      suspendedReason: 'NODE_LOST',
      breaches: [
        { at: at(45), reason: 'CHALLENGE_FAILED' },
        { at: at(100), reason: 'NODE_LOST' },
      ],
    };
    expect(deliveredUntil(T + 120_000, T, node)).toBe(T + 45_000);
    expect(deliveredUntil(T + 120_000, T, { ...node, sessionId: null, beat: null })).toBe(T + 45_000);
  });

  it('charges nothing of a watched node whose heartbeat is not known (Redis flushed), until one is', () => {
    expect(deliveredUntil(T + 60_000, T, { sessionId: 's1', beat: null })).toBeNull();
    expect(deliveredUntil(T + 60_000, T, { sessionId: 's1', beat: 'not a time' })).toBeNull();
    expect(deliveredUntil(T + 60_000, T, { lostAt: at(10), beat: null })).toBeNull();
  });

  it('charges up to the heartbeat a loss or a leave recorded once the live one is gone (Redis flushed)', () => {
    expect(deliveredUntil(T + 60_000, T, { lostAt: at(80), lastBeatAt: at(70), beat: null })).toBe(
      T + 60_000,
    );
    expect(deliveredUntil(T + 60_000, T, { leftAt: at(30), lastBeatAt: at(30), beat: null })).toBe(
      T + 30_000,
    );
    // The live one, where kept, is as late or later.
    expect(deliveredUntil(T + 60_000, T, { lostAt: at(50), lastBeatAt: at(20), beat: at(30) })).toBe(
      T + 30_000,
    );
  });
});
