/** The errors kafkajs calls unrecoverable: thrown from eachBatch, the consumer stops for good. */
const UNRECOVERABLE = new Set(['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError']);

/** The group's own errors, which kafkajs handles by joining the group again: passed on as they are. */
const MEMBERSHIP = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
]);

/**
 * What an eachBatch handler throws, as kafkajs retries it. kafkajs never restarts a consumer whose
 * handler threw a RangeError, TypeError, ReferenceError or SyntaxError, or an error the broker
 * called final (`retriable: false`, such as MESSAGE_TOO_LARGE): one stack overflow on a crafted
 * command, and one transaction larger than the broker takes, each stopped a service's command
 * consumer, every partition of it, while the process stayed up and healthy. Rethrown as a plain
 * Error (the original as its cause), kafkajs retries the batch with backoff and restarts the
 * consumer once its retries are spent, as for any other failure; the partitions that can go on do.
 */
export function retriedByKafkajs(error: unknown): Error {
  if (error instanceof Error && !UNRECOVERABLE.has(error.name) && !isFinal(error)) return error;
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new Error(`the batch failed (${what}); it is retried`, { cause: error });
}

/** An error kafkajs will not retry, and which is not the group's to handle. */
function isFinal(error: Error): boolean {
  const { retriable, type } = error as Error & { retriable?: unknown; type?: unknown };
  return retriable === false && !(typeof type === 'string' && MEMBERSHIP.has(type));
}
