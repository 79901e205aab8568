/*
 * Whether an error says that Redis or Kafka could not be reached: the caller's answer is then
 * UNAVAILABLE (try again shortly), not an internal error. With Redis stopped, every request the
 * gateway could not serve was answered "internal error" after ioredis' retries. And what an answer
 * holding an UNAVAILABLE says over HTTP (`unavailableHead`): Retry-After, and 503 rather than
 * Apollo's 500 when nothing was answered.
 */

import type { GraphQLFormattedError } from 'graphql';

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

/** What an answer's HTTP head says when it holds an UNAVAILABLE error (see `unavailableHead`). */
export interface UnavailableHead {
  /** 503 when nothing in the answer was answered; absent when its status stands. */
  status?: 503;
  /** Seconds before trying again: the longest `retryAfterMs` among the UNAVAILABLE errors, at least 1. */
  retryAfterSeconds: number;
}

/**
 * The HTTP head of a GraphQL answer that holds an UNAVAILABLE error, or undefined for any other.
 * Every such answer says when to try again (`Retry-After`, which HTTP clients and proxies read).
 * It is a 503 when no root field got a value: `data` absent or null (the operation never ran,
 * e.g. Redis down before it), or every root field null. An answer with a value in it stays as it
 * is (200): a client that retried the whole request on a 503 would redo what was done. A status
 * already set to a 4xx (a refusal of the request itself) stands.
 */
export function unavailableHead(
  result: { data?: Record<string, unknown> | null; errors?: readonly GraphQLFormattedError[] },
  status: number | undefined,
): UnavailableHead | undefined {
  const unavailable = (result.errors ?? []).filter((e) => e.extensions?.['code'] === 'UNAVAILABLE');
  if (unavailable.length === 0) return undefined;
  const waits = unavailable.map((e) => Number(e.extensions?.['retryAfterMs']) || UNAVAILABLE_RETRY_MS);
  const retryAfterSeconds = Math.max(1, Math.ceil(Math.max(...waits) / 1000));
  const nothingAnswered = !result.data || Object.values(result.data).every((value) => value === null);
  const refused = status !== undefined && status >= 400 && status < 500;
  return nothingAnswered && !refused ? { status: 503, retryAfterSeconds } : { retryAfterSeconds };
}
