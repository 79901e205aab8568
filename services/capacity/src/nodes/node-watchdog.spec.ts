import { expireKey } from './node-watchdog';

describe("the watchdog's expiry key", () => {
  it('is one per challenge and tick: an attempt refused early is not the last one', () => {
    const T = 1_780_272_000_000; // a whole number of ticks
    // Two watchdogs within one tick ask once.
    expect(expireKey('c1', T, 1_000)).toBe(expireKey('c1', T + 999, 1_000));
    // The next tick's attempt is another request, not a retry of a refused one.
    expect(expireKey('c1', T + 1_000, 1_000)).not.toBe(expireKey('c1', T, 1_000));
    expect(expireKey('c2', T, 1_000)).not.toBe(expireKey('c1', T, 1_000));
    expect(expireKey('c1', T, 1_000)).toMatch(/^expire-c1-\d+$/);
  });
});
