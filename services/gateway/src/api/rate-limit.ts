/**
 * The rate limit's rule, pure: a token bucket kept as one number, its "theoretical arrival time"
 * (GCRA, the generic cell rate algorithm). A caller may make `burst` requests at once and then one
 * every `intervalUs`; the bucket is full again once `tat` is in the past. All times are integer
 * microseconds so that Redis (rate-limiter.ts, whose Lua script is this function line for line)
 * stores them exactly.
 */
export interface RateRule {
  /** Microseconds between two requests at the sustained rate. */
  intervalUs: number;
  /** Requests allowed at once from a full bucket (at least 1). */
  burst: number;
}

export type Admission =
  | {
      allowed: true;
      /** The new state to store, */ tat: number;
      /** and for how long it matters. */ ttlMs: number;
    }
  | { allowed: false; /** When the same request would be allowed. */ retryAfterMs: number };

/** The rule of `perSecond` requests a second with bursts of `burst`; null when `perSecond` is 0 (no limit). */
export function rateRule(perSecond: number, burst: number): RateRule | null {
  if (!(perSecond > 0)) return null;
  return {
    intervalUs: Math.max(1, Math.round(1_000_000 / perSecond)),
    burst: Math.max(1, Math.floor(burst)),
  };
}

/**
 * Whether a request at `nowUs` is allowed, given the stored `tat` (null: a full bucket). `cost`:
 * how many requests it counts as (a request that runs several mutations counts each).
 */
export function admit(tat: number | null, nowUs: number, rule: RateRule, cost = 1): Admission {
  const next = Math.max(tat ?? nowUs, nowUs) + cost * rule.intervalUs;
  const over = next - nowUs - rule.burst * rule.intervalUs;
  if (over > 0) return { allowed: false, retryAfterMs: Math.ceil(over / 1000) };
  return { allowed: true, tat: next, ttlMs: Math.ceil((next - nowUs) / 1000) };
}
