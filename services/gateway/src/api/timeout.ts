import type { GraphQLError } from 'graphql';
import { apiError } from './errors';

/**
 * When a caller answered TIMEOUT may send the same request again, with the idempotency key the
 * TIMEOUT names: one default for every TIMEOUT (a command's outcome, a read model catching up to
 * it, a market's copy of a certificate), chosen for the commonest and longest. A command may still
 * be decided: the gateway waited its command timeout (10 s) for it, and a command that takes longer is most often waiting for a service that crashed to be
 * replaced in its consumer groups, one Kafka session timeout (10 s by default) or, when the
 * restarted instance is killed while it joins, about two (docs/operations.md, "Commands wait after
 * a crash"). Sent again 5 s later, the retry waits up to 10 s more: 25 s from the first send, past
 * that longest wait, so the retry most likely finds the outcome rather than timing out again. A
 * retry sooner does no harm (the same key gets the one outcome), it only waits longer.
 */
export const TIMEOUT_RETRY_MS = 5_000;

/**
 * TIMEOUT: no outcome (or no readable result) within the gateway's wait; the command may still
 * happen. Every one says when to retry (`retryAfterMs`, as an UNAVAILABLE does) beside the key to
 * retry with (`extensions`: idempotencyKey, the ids the retry aims at).
 */
export function timedOutError(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return apiError('TIMEOUT', message, undefined, { ...extensions, retryAfterMs: TIMEOUT_RETRY_MS });
}
