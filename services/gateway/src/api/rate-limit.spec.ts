import fc from 'fast-check';
import { admit, RateRule, rateRule } from './rate-limit';

/** Runs requests at the given times (µs) through the rule, storing what it says to store. */
function run(rule: RateRule, times: number[]) {
  let tat: number | null = null;
  return times.map((now) => {
    const a = admit(tat, now, rule);
    if (a.allowed) tat = a.tat;
    return a;
  });
}

describe('the rate limit rule (GCRA token bucket)', () => {
  it('is off at 0 requests a second', () => {
    expect(rateRule(0, 10)).toBeNull();
    expect(rateRule(10, 5)).toEqual({ intervalUs: 100_000, burst: 5 });
  });

  it('allows a full burst at once, then refuses with the time until the next token', () => {
    const rule = rateRule(10, 5)!;
    const at = 1_000_000_000;
    const results = run(rule, Array(7).fill(at));
    expect(results.slice(0, 5).every((r) => r.allowed)).toBe(true);
    expect(results[5]).toEqual({ allowed: false, retryAfterMs: 100 });
    expect(results[6]).toEqual({ allowed: false, retryAfterMs: 100 });
  });

  it('counts a request of cost n as n requests: allowed while n tokens are left, refused until they are', () => {
    const rule = rateRule(10, 5)!;
    const at = 1_000_000_000;
    const first = admit(null, at, rule, 3);
    expect(first).toEqual({ allowed: true, tat: at + 300_000, ttlMs: 300 });
    const tat = first.allowed ? first.tat : 0;
    expect(admit(tat, at, rule, 3)).toEqual({ allowed: false, retryAfterMs: 100 });
    expect(admit(tat, at, rule, 2).allowed).toBe(true);
    expect(admit(tat, at + 100_000, rule, 3).allowed).toBe(true);
    // More than the burst is never allowed, not even from a full bucket (mutationsAdmitted refuses
    // such a request as too much for one request, not as one to retry).
    expect(admit(null, at, rule, 6).allowed).toBe(false);
    expect(admit(null, at + 1_000_000_000, rule, 6).allowed).toBe(false);
  });

  it('refills at the sustained rate', () => {
    const rule = rateRule(10, 1)!;
    const results = run(rule, [0, 50_000, 100_000, 150_000, 200_000]);
    expect(results.map((r) => r.allowed)).toEqual([true, false, true, false, true]);
    expect(results[1]).toEqual({ allowed: false, retryAfterMs: 50 });
  });

  it('never allows more than burst + rate x elapsed, and a request retried after retryAfterMs is allowed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 200 }),
        (perSecond, burst, gaps) => {
          const rule = rateRule(perSecond, burst)!;
          let now = 5_000_000;
          const times = gaps.map((g) => (now += g));
          let tat: number | null = null;
          let allowed = 0;
          for (const t of times) {
            const a = admit(tat, t, rule);
            if (a.allowed) {
              tat = a.tat;
              allowed++;
              expect(a.ttlMs).toBeGreaterThan(0);
            } else {
              expect(a.retryAfterMs).toBeGreaterThan(0);
              expect(admit(tat, t + a.retryAfterMs * 1000, rule).allowed).toBe(true);
            }
          }
          const elapsed = times[times.length - 1]! - times[0]!;
          expect(allowed).toBeLessThanOrEqual(rule.burst + Math.floor(elapsed / rule.intervalUs));
        },
      ),
    );
  });

  it('forgets a caller once its ttl has passed: a full bucket again', () => {
    const rule = rateRule(2, 3)!;
    const first = run(rule, [0, 0, 0]);
    const last = first[2]!;
    if (!last.allowed) throw new Error('the burst was refused');
    const later = last.ttlMs * 1000;
    expect(admit(last.tat, later, rule)).toEqual(admit(null, later, rule));
  });
});
