import { Backoff, backoffDelay } from './backoff';

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
});
