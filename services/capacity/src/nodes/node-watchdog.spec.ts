import { beatTime, HEARTBEAT_KEPT_MS } from '@gpux/contracts';
import { expireKey, watchingAfter } from './node-watchdog';

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

describe('when a node last beat, as the watchdog dates it', () => {
  const now = Date.parse('2026-12-03T12:00:00.000Z');

  it("is its age by Redis' clock, whatever the gateway's clock wrote: a beat 2 s old stamped a minute behind", () => {
    const stamped = new Date(now - 62_000).toISOString();
    expect(beatTime(stamped, HEARTBEAT_KEPT_MS - 2_000, now)).toBe(now - 2_000);
    expect(beatTime(stamped, HEARTBEAT_KEPT_MS, now)).toBe(now);
  });

  it('is its value for a key past half its life, or set with another (or none)', () => {
    const stamped = new Date(now - 13 * 3_600_000).toISOString();
    expect(beatTime(stamped, HEARTBEAT_KEPT_MS / 2, now)).toBe(Date.parse(stamped));
    expect(beatTime(stamped, -1, now)).toBe(Date.parse(stamped));
    expect(beatTime(stamped, HEARTBEAT_KEPT_MS + 1, now)).toBe(Date.parse(stamped));
  });
});

describe("the watchdog's stretches of watching", () => {
  it('go on while ticks come within the gap, and start anew after one that came late (Redis stalled or down)', () => {
    const first = watchingAfter(undefined, 1_000, 1_400);
    // The first tick judges silence from before it, as ever.
    expect(first).toEqual({ since: -Infinity, at: 1_000 });
    const next = watchingAfter(first, 2_400, 1_400);
    expect(next).toEqual({ since: -Infinity, at: 2_400 });
    // 25 s without a tick: beats sent meanwhile were not seen; silence counts from now.
    const after = watchingAfter(next, 27_400, 1_400);
    expect(after).toEqual({ since: 27_400, at: 27_400 });
    expect(watchingAfter(after, 27_600, 1_400)).toEqual({ since: 27_400, at: 27_600 });
  });
});
