import { GraphQLError } from 'graphql';

/*
 * A refusal answered again. A service's refusal is the recorded outcome of its idempotency key (an
 * order's clientOrderId) for the key's window, as a success is (Stripe's semantics): the same key
 * again, even once the cause is gone (a deposit made, a node certified), is answered that first
 * refusal, its message as it was then. So that a caller can tell it from a fresh one, such an
 * answer says so: `extensions.replayed: true`, `extensions.firstAnsweredAt` (when the outcome was
 * recorded, where it is known), and a last sentence saying which answer it is and what to do. A
 * first answer carries none of them.
 */

/** The name a caller knows the key's argument by: `input.clientOrderId` is its clientOrderId. */
const keyName = (keyField: string): string => keyField.slice(keyField.lastIndexOf('.') + 1);

/** What ends a replayed refusal's message: ` (the first answer to this clientOrderId, at …: …)`. */
export function replayNote(keyField: string, firstAnsweredAt?: string): string {
  const name = keyName(keyField);
  const at = firstAnsweredAt ? `, at ${firstAnsweredAt}` : '';
  return ` (the first answer to this ${name}${at}: send a new ${name} to try again)`;
}

/** The extensions a replayed refusal carries. */
export function replayExtensions(firstAnsweredAt?: string): { replayed: true; firstAnsweredAt?: string } {
  return { replayed: true, ...(firstAnsweredAt ? { firstAnsweredAt } : {}) };
}

/** `error` as the replay it is of the outcome recorded at `firstAnsweredAt` for the key in `keyField`. */
export function asReplayed(error: GraphQLError, keyField: string, firstAnsweredAt?: string): GraphQLError {
  if (error.extensions['replayed'] === true) return error;
  return new GraphQLError(`${error.message}${replayNote(keyField, firstAnsweredAt)}`, {
    extensions: { ...error.extensions, ...replayExtensions(firstAnsweredAt) },
  });
}

/**
 * `rewritten`, the refusal `from` told in other words (the resolver's, for its caller), keeping
 * what `from` said of being a replay; anything else as it is.
 */
export function keepReplayed(from: unknown, rewritten: unknown, keyField: string): unknown {
  if (!(from instanceof GraphQLError) || from.extensions['replayed'] !== true) return rewritten;
  if (!(rewritten instanceof GraphQLError) || rewritten === from) return rewritten;
  const at = from.extensions['firstAnsweredAt'];
  return asReplayed(rewritten, keyField, typeof at === 'string' ? at : undefined);
}
