import { MAX_RETRY_MS, retryDelayMs } from './retry';

describe('retryDelayMs', () => {
  it('doubles from a second', () => {
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n, 0))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('waits at most about 30 s however many retries failed', () => {
    expect(retryDelayMs(5, 0)).toBe(MAX_RETRY_MS);
    expect(retryDelayMs(1_000, 0)).toBe(MAX_RETRY_MS);
    expect(retryDelayMs(1_000_000, 0.5)).toBe(27_000);
  });

  it('takes up to a fifth off at random', () => {
    expect(retryDelayMs(0, 0.5)).toBe(900);
    expect(retryDelayMs(10, 0.999999)).toBeGreaterThanOrEqual(24_000);
  });
});
