import { GraphQLError } from 'graphql';
import { apiError } from '../api/errors';

/**
 * An order's id derives from its account and clientOrderId (idFromKey), so that a retry finds the
 * order its first try made. The key is remembered for the idempotency window only (after its
 * outcome); after that the same clientOrderId names the same id again, and a second order would
 * take over the first one's id: its view, its fills, its createdAt, its hold's id. An order id is
 * never used twice: a clientOrderId whose order was placed at least the window ago (less a margin,
 * so that a key forgotten a moment before the gateway looks is never missed) is refused. Within
 * the window the key answers, as ever: a retry gets the first outcome, another order
 * IDEMPOTENCY_KEY_REUSED.
 */
export function orderIdReuse(
  orderId: string,
  createdAt: string | null,
  now: number,
  windowMs: number,
): string | undefined {
  if (createdAt === null) return undefined;
  const placed = Date.parse(createdAt);
  if (!(now - placed >= windowMs - forgetMargin(windowMs))) return undefined;
  return `this key named order ${orderId}, placed at ${createdAt}: keys are forgotten after ${windowMs} ms (IDEMPOTENCY_WINDOW_MS), and an order's id is never used again: give the new order another key`;
}

/** How long before the end of its window a key counts as forgotten: a tenth of it, at most a minute. */
export const forgetMargin = (windowMs: number): number => Math.min(60_000, windowMs / 10);

/**
 * A refusal because the order's id exists (a live hold of settlement's, an order in the book),
 * named on the argument that carried the key the id derives from: a caller never sends an orderId.
 * A key used for another order names that order (`orderId`, the id the key derives), and so does a
 * TIMEOUT (the order a retry with the key aims at). Other errors pass as they are. `createdAt`:
 * when that order was placed, as read with the key's binding (its guard); null when it was not
 * (the key's first order was refused, or is not decided yet), so the message says which.
 */
export function onKeyArgument(
  error: unknown,
  keyField: string,
  orderId: string,
  createdAt: string | null = null,
): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const { code, field, ...extensions } = error.extensions;
  // No answer in time: the order a retry with the key aims at, as a bid's TIMEOUT names it.
  if (code === 'TIMEOUT' && extensions['orderId'] === undefined)
    return new GraphQLError(error.message, { ...error, extensions: { ...error.extensions, orderId } });
  // The key was this account's for another order: the id it derives is that order's.
  if (code === 'IDEMPOTENCY_KEY_REUSED')
    return apiError(
      'IDEMPOTENCY_KEY_REUSED',
      `this ${keyField} was already used for a different order, ${
        createdAt === null
          ? `one that was refused or is not decided yet (no order ${orderId} is placed: that order sent again answers its outcome)`
          : `${orderId}, placed at ${createdAt}`
      }; nothing was done: give a new order a new ${keyField}`,
      keyField,
      { ...extensions, orderId },
    );
  if (code !== 'ALREADY_EXISTS' || field !== 'orderId') return error;
  return apiError('ALREADY_EXISTS', `${keyField} names ${error.message}`, keyField, extensions);
}
