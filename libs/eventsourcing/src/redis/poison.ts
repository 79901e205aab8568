import type { PoisonOptions } from './options';

/** No pause between attempts grows past this (an outage retries without end). */
export const MAX_RETRY_DELAY_MS = 5_000;

export type PoisonStep =
  { kind: 'retry'; attempts: number; delayMs: number } | { kind: 'stop'; attempts: number };

/**
 * What a projection runner does after a batch failed, given the failed attempts in a row before
 * it. While the Redis connection is down the failure is the outage's, not the batch's: retry,
 * counting nothing. Otherwise the batch gets `attempts` tries in all, `backoffMs` apart and
 * doubling; after the last, its partition stops (a poison batch never hides, never stalls the
 * others).
 */
export function afterFailure(
  previousAttempts: number,
  outage: boolean,
  options: Required<PoisonOptions>,
): PoisonStep {
  const delay = (n: number) => Math.min(MAX_RETRY_DELAY_MS, options.backoffMs * 2 ** Math.max(0, n - 1));
  if (outage) return { kind: 'retry', attempts: previousAttempts, delayMs: delay(previousAttempts) };
  const attempts = previousAttempts + 1;
  if (attempts >= options.attempts) return { kind: 'stop', attempts };
  return { kind: 'retry', attempts, delayMs: delay(attempts) };
}
