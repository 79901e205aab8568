/*
 * When a service's command processor says it cannot decide commands (its /health check). While a
 * partition fails (its state cannot be rebuilt, or its transactions fail), its commands wait
 * unanswered and the process stays up: a broker refusing what it writes, an event of the log that
 * no longer decodes, showed nowhere but in the log. A failure or two in a row is a rebalance or a
 * broker restart and heals by itself; one that lasts is worth an operator's eyes.
 */

import type { ConsumerDown } from './consumer-revival';

/** After this long of failures in a row on one partition, the processor reports itself down. */
export const FAILING_DOWN_MS = 30_000;

/** A partition that has failed in a row (rebuilding its state, or a transaction): since when (ms), how often, the last error. */
export interface FailingPartition {
  since: number;
  failures: number;
  error: string;
}

/** Why the processor cannot decide commands now, in words, with every partition that is failing. */
export interface CommandProcessorTrouble {
  message: string;
  failing: { partition: number; since: string; failures: number; error: string }[];
}

/**
 * Null while the processor decides commands; otherwise why not: kafkajs stopped its consumer for
 * good (`down`, until a new one joins: consumer-revival.ts), or one of `topic`'s partitions has
 * failed for `downAfterMs` or longer (the one failing longest is named).
 */
export function processorTrouble(
  topic: string,
  failing: ReadonlyMap<number, FailingPartition>,
  down: ConsumerDown | null,
  now: number,
  downAfterMs = FAILING_DOWN_MS,
): CommandProcessorTrouble | null {
  const byAge = [...failing].sort(([, a], [, b]) => a.since - b.since);
  const report = byAge.map(([partition, f]) => ({
    partition,
    since: new Date(f.since).toISOString(),
    failures: f.failures,
    error: f.error,
  }));
  if (down)
    return {
      message: `the command consumer is down for ${Math.round((now - down.since) / 1000)} s (kafkajs stopped it for good, ${down.attempts} times in a row; a new one starts after a pause): ${down.error}`,
      failing: report,
    };
  const oldest = byAge[0];
  if (!oldest || now - oldest[1].since < downAfterMs) return null;
  const [partition, { since, failures, error }] = oldest;
  return {
    message: `${topic} partition ${partition} has failed for ${Math.round((now - since) / 1000)} s (${failures} attempts in a row): ${error}`,
    failing: report,
  };
}
