import { Backoff, backoffDelay, RETRY_AFTER, retryAfterDelay } from './backoff';

describe('reconnection backoff', () => {
  const middle = () => 0.5;

  it('starts at 1 s and doubles up to 30 s', () => {
    expect(Array.from({ length: 9 }, (_, i) => backoffDelay(i, middle))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000,
    ]);
    expect(backoffDelay(1000, middle)).toBe(30000);
  });

  it('spreads each delay by at most ±20 %, never past 30 s', () => {
    expect(backoffDelay(0, () => 0)).toBe(800);
    expect(backoffDelay(0, () => 0.999999)).toBe(1200);
    expect(backoffDelay(3, () => 0)).toBe(6400);
    expect(backoffDelay(3, () => 0.999999)).toBe(9600);
    expect(backoffDelay(4, () => 0.999999)).toBe(19200);
    expect(backoffDelay(5, () => 0)).toBe(24000);
    expect(backoffDelay(5, () => 0.999999)).toBe(30000);
    expect(backoffDelay(20, () => 0.999999)).toBe(30000);
  });

  it('jitters with the real random source within those bounds, and not all alike', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(2));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(3200);
    expect(Math.max(...delays)).toBeLessThanOrEqual(4800);
    expect(new Set(delays).size).toBeGreaterThan(20);
  });

  it('counts failures in a row and starts again after a success', () => {
    const b = new Backoff(middle);
    expect([b.next(), b.next(), b.next()]).toEqual([
      { attempt: 1, delayMs: 1000 },
      { attempt: 2, delayMs: 2000 },
      { attempt: 3, delayMs: 4000 },
    ]);
    expect(b.attempts).toBe(3);
    b.success();
    expect(b.next()).toEqual({ attempt: 1, delayMs: 1000 });
  });

  it('waits at least as long as the gateway asked, never past 30 s, and keeps counting', () => {
    const b = new Backoff(middle);
    expect(b.next(5000)).toEqual({ attempt: 1, delayMs: 5000 });
    // Asked for less than the backoff: the backoff.
    expect(b.next(100)).toEqual({ attempt: 2, delayMs: 2000 });
    expect(b.next(2500.2)).toEqual({ attempt: 3, delayMs: 4000 });
    expect(b.next(10 * 60_000)).toEqual({ attempt: 4, delayMs: 30000 });
    expect(b.next(Infinity)).toEqual({ attempt: 5, delayMs: 30000 });
    expect(b.next()).toEqual({ attempt: 6, delayMs: 30000 });
    b.success();
    expect(b.next(1500.5)).toEqual({ attempt: 1, delayMs: 1501 });
  });

  it('retries an UNAVAILABLE at the time it asked, plus at most 10 % jitter, never sooner', () => {
    expect(retryAfterDelay(1000, () => 0)).toBe(1000);
    expect(retryAfterDelay(1000, middle)).toBe(1050);
    expect(retryAfterDelay(1000, () => 0.999999)).toBe(1100);
    expect(retryAfterDelay(2500.2, () => 0)).toBe(2501);
    const delays = Array.from({ length: 200 }, () => retryAfterDelay(1000));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1100);
    expect(new Set(delays).size).toBeGreaterThan(20);
  });

  it('keeps a timed retry within bounds: not below 0.5 s (no spinning), not past 10 s (no parking)', () => {
    expect(RETRY_AFTER).toEqual({ minMs: 500, maxMs: 10_000, jitter: 0.1 });
    for (const tiny of [1, 0.001, 0, -5, NaN]) expect(retryAfterDelay(tiny, () => 0)).toBe(500);
    for (const huge of [10_001, 60_000, 3_600_000, Number.MAX_VALUE, Infinity])
      expect(retryAfterDelay(huge, () => 0)).toBe(10_000);
    expect(retryAfterDelay(Infinity, () => 0.999999)).toBe(11_000);
  });

  it('does not grow the backoff for timed retries: a rebuild of minutes is retried every ~1 s', () => {
    const b = new Backoff(middle);
    // A gateway down (no answer), then a read model rebuilt for a minute (UNAVAILABLE, 1 s).
    expect(b.next()).toEqual({ attempt: 1, delayMs: 1000 });
    const rebuild = Array.from({ length: 60 }, () => b.retryAfter(1000));
    expect(rebuild.map((r) => r.delayMs)).toEqual(Array.from({ length: 60 }, () => 1050));
    expect(rebuild.map((r) => r.attempt)).toEqual(Array.from({ length: 60 }, (_, i) => i + 2));
    expect(b.attempts).toBe(61);
    // An untimed failure after it waits what it would have waited after the first: 2 s, not 30 s.
    expect(b.next()).toEqual({ attempt: 62, delayMs: 2000 });
    b.success();
    expect(b.attempts).toBe(0);
    expect(b.retryAfter(1000)).toEqual({ attempt: 1, delayMs: 1050 });
    expect(b.next()).toEqual({ attempt: 2, delayMs: 1000 });
  });
});
