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

  it('charges nothing of a watched node whose heartbeat is not known (Redis flushed), until one is', () => {
    expect(deliveredUntil(T + 60_000, T, { sessionId: 's1', beat: null })).toBeNull();
    expect(deliveredUntil(T + 60_000, T, { sessionId: 's1', beat: 'not a time' })).toBeNull();
    expect(deliveredUntil(T + 60_000, T, { lostAt: at(10), beat: null })).toBeNull();
  });
});
