/** The errors kafkajs calls unrecoverable: thrown from eachBatch, the consumer stops for good. */
const UNRECOVERABLE = new Set(['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError']);

/**
 * What an eachBatch handler throws, as kafkajs retries it. kafkajs never restarts a consumer whose
 * handler threw a RangeError, TypeError, ReferenceError or SyntaxError: one stack overflow on a
 * crafted command stopped a service's command consumer, every partition of it, while the process
 * stayed up and healthy. Rethrown as a plain Error (the original as its cause), kafkajs retries the
 * batch with backoff and restarts the consumer once its retries are spent, as for any other
 * failure; the partitions that can go on do.
 */
export function retriedByKafkajs(error: unknown): Error {
  if (error instanceof Error && !UNRECOVERABLE.has(error.name)) return error;
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new Error(`the batch failed (${what}); it is retried`, { cause: error });
}
