/**
 * Reconnection delays: 1 s, doubling, at most 30 s, each spread by ±20 % jitter so that the
 * workers of a gateway that restarts do not all come back in the same instant; never sooner than
 * the gateway asked (Retry-After), up to the same 30 s.
 */
export const BACKOFF = { initialMs: 1_000, maxMs: 30_000, jitter: 0.2 } as const;

/** The delay before retry number `attempt` (0 for the first), `random` in [0, 1). */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF.maxMs, BACKOFF.initialMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  const spread = 1 + BACKOFF.jitter * (2 * random() - 1);
  return Math.round(Math.min(BACKOFF.maxMs, base * spread));
}

/** Counts failures in a row; `success()` starts again from 1 s. */
export class Backoff {
  private failures = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /**
   * The delay before the next try, counting this failure; at least `atLeastMs` where the gateway
   * said when to retry (RATE_LIMITED, a rebuild), though never past BACKOFF.maxMs.
   */
  next(atLeastMs = 0): { attempt: number; delayMs: number } {
    const wait = atLeastMs > 0 ? Math.min(BACKOFF.maxMs, Math.ceil(atLeastMs)) : 0;
    const delayMs = Math.max(backoffDelay(this.failures, this.random), wait);
    this.failures++;
    return { attempt: this.failures, delayMs };
  }

  success(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}

/**
 * With --once, the tries at a gateway that does not answer (or cannot serve) before the agent
 * gives up (exit 1): the first and three retries, 1 + 2 + 4 s of backoff apart unless the gateway
 * asks for longer. Without --once the agent retries for as long as it runs.
 */
export const ONCE_TRIES = 4;
