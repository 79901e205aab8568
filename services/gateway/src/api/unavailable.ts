/*
 * Whether an error says that Redis or Kafka could not be reached: the caller's answer is then
 * UNAVAILABLE (try again shortly), not an internal error. With Redis stopped, every request the
 * gateway could not serve was answered "internal error" after ioredis' retries.
 */

/** When a caller may try again after Redis or Kafka could not be reached. */
export const UNAVAILABLE_RETRY_MS = 1_000;

/** ioredis' words for a connection that is down (its retries spent, or closed), and kafkajs' for one it could not open. */
const DOWN_NAMES = new Set([
  'MaxRetriesPerRequestError',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
]);
const DOWN_MESSAGES = new Set([
  'Connection is closed.',
  "Stream isn't writeable and enableOfflineQueue options is false",
]);
const DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** True when `error`, or what it wraps (GraphQL's originalError, a cause), is a connection to Redis or Kafka that is down. */
export function dependencyDown(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const code = (current as Error & { code?: unknown }).code;
    if (DOWN_NAMES.has(current.name) || DOWN_MESSAGES.has(current.message)) return true;
    if (typeof code === 'string' && DOWN_CODES.has(code)) return true;
    current = (current as Error & { originalError?: unknown }).originalError ?? current.cause;
  }
  return false;
}
