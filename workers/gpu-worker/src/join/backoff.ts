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

/**
 * Retries the gateway timed: an UNAVAILABLE that says when to come back (extensions.retryAfterMs,
 * e.g. 1 s while a read model is rebuilt after a Redis flush) is retried at that time, plus up to
 * 10 % jitter (never sooner than asked), however many came before: the backoff does not grow. A
 * worker that backed off to 30 s through a rebuild would come back up to 30 s after it, and
 * capacity declares a node lost after HEARTBEAT_TIMEOUT_MS (20 s by default) of silence counted
 * from when its model is whole. Bounded both ways against a gateway that says something odd: at
 * least `minMs`, so a hint of 0 or 1 ms cannot make the worker spin, and at most `maxMs`, half
 * that default window, so a hint of hours cannot park it (it asks again then, and waits again if
 * told to).
 */
export const RETRY_AFTER = { minMs: 500, maxMs: 10_000, jitter: 0.1 } as const;

/** The delay before retrying an UNAVAILABLE that asked for `hintMs`, `random` in [0, 1). */
export function retryAfterDelay(hintMs: number, random: () => number = Math.random): number {
  const asked = Number.isNaN(hintMs) ? RETRY_AFTER.minMs : Math.ceil(hintMs);
  const base = Math.min(RETRY_AFTER.maxMs, Math.max(RETRY_AFTER.minMs, asked));
  return Math.round(base * (1 + RETRY_AFTER.jitter * random()));
}

/** Counts failures in a row; `success()` starts again from 1 s. */
export class Backoff {
  /** Failures that grew the backoff (next). */
  private failures = 0;
  /** Every try in a row, those the gateway timed (retryAfter) too: the attempt reported. */
  private tries = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /**
   * The delay before the next try, counting this failure; at least `atLeastMs` where the gateway
   * said when to retry (RATE_LIMITED, a rebuild), though never past BACKOFF.maxMs.
   */
  next(atLeastMs = 0): { attempt: number; delayMs: number } {
    const wait = atLeastMs > 0 ? Math.min(BACKOFF.maxMs, Math.ceil(atLeastMs)) : 0;
    const delayMs = Math.max(backoffDelay(this.failures, this.random), wait);
    this.failures++;
    return { attempt: ++this.tries, delayMs };
  }

  /**
   * The delay before the next try when the gateway timed it (an UNAVAILABLE with retryAfterMs):
   * `hintMs` within RETRY_AFTER's bounds, with a little jitter; counted as an attempt, but the
   * backoff does not grow (the next untimed failure waits what it would have waited).
   */
  retryAfter(hintMs: number): { attempt: number; delayMs: number } {
    return { attempt: ++this.tries, delayMs: retryAfterDelay(hintMs, this.random) };
  }

  success(): void {
    this.failures = 0;
    this.tries = 0;
  }

  get attempts(): number {
    return this.tries;
  }
}

/**
 * With --once, the tries at a gateway that does not answer (or cannot serve) before the agent
 * gives up (exit 1): the first and three retries, 1 + 2 + 4 s of backoff apart unless the gateway
 * asks for longer. Without --once the agent retries for as long as it runs.
 */
export const ONCE_TRIES = 4;
