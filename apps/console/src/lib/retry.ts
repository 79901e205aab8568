// How long the subscriptions' socket waits before it reconnects.

/** The longest wait between two reconnections: a gateway back after a restart is seen within it. */
export const MAX_RETRY_MS = 30_000;

/**
 * The wait before reconnection `retries` (0 the first): doubling from a second up to
 * MAX_RETRY_MS, less up to a fifth at random (`random` in [0, 1)) so that the tabs a restart
 * dropped together do not all come back at the same moment.
 */
export function retryDelayMs(retries: number, random: number): number {
  const base = Math.min(1000 * 2 ** Math.max(0, retries), MAX_RETRY_MS);
  return Math.round(base * (1 - random / 5));
}
