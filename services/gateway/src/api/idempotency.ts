import { createHash, randomUUID } from 'node:crypto';
import { BIDI_CONTROL, CONTROL_CHARACTER } from '@gpux/contracts';
import { OutgoingCommand, scopedKey } from '@gpux/eventsourcing';
import { GraphQLError } from 'graphql';
import type { Principal } from './auth';
import { apiError } from './errors';

/** The most characters a client's idempotency key may have. */
export const IDEMPOTENCY_KEY_MAX = 128;
const KEY_RULE = `a key is 1 to ${IDEMPOTENCY_KEY_MAX} characters, none of them a control character or a bidirectional control`;
/** The key rule as a sentence, for the descriptions of every argument that carries a key. */
export const KEY_RULE_SENTENCE = ` A key is 1 to ${IDEMPOTENCY_KEY_MAX} characters, none of them a control character (a line break, a tab, NUL) or a bidirectional control (U+202A–U+202E, U+2066–U+2069).`;

/** A character as JSON writes it, the separators U+2028 and U+2029 escaped too (JSON leaves them). */
const escaped = (char: string) =>
  JSON.stringify(char).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

/**
 * What is wrong with a client's idempotency key (`field`: the argument that carried it, e.g. an
 * order's clientOrderId), in words that never repeat it; null when it is one. Before this rule an
 * empty key was a key like any other, and a 10,000-character one was taken and repeated whole in
 * a TIMEOUT's answer.
 */
export function idempotencyKeyProblem(key: string, field = 'idempotencyKey'): string | null {
  if (key.length === 0) return `${field} is empty: leave it out for none; ${KEY_RULE}`;
  if (key.length > IDEMPOTENCY_KEY_MAX) return `${field} is ${key.length} characters long: ${KEY_RULE}`;
  // A line or paragraph separator breaks a line as a control character does (contracts' text rule).
  const at = key.search(CONTROL_CHARACTER);
  if (at >= 0) return `${field} has ${escaped(key[at]!)} at position ${at + 1}: ${KEY_RULE}`;
  // A bidirectional control reorders how what follows it is shown: a key is echoed in refusals and
  // extensions.idempotencyKey, where "\u202eevil" would read as another.
  const bidi = key.search(BIDI_CONTROL);
  if (bidi >= 0)
    return `${field} has a bidirectional control (${escaped(key[bidi]!)}) at position ${bidi + 1}: ${KEY_RULE}`;
  // Half a surrogate pair is no character: hashed, every one reads as U+FFFD, so two different keys
  // would derive the same order, node or API key id.
  const half = key.search(/\p{Cs}/u);
  if (half >= 0)
    return `${field} has half a surrogate pair (${JSON.stringify(key[half])}) at position ${half + 1}: ${KEY_RULE}`;
  return null;
}

/** Every mutation that may be retried takes one: a retry with the same key returns the first outcome. */
export const IDEMPOTENCY_KEY = {
  type: () => String,
  nullable: true,
  description:
    "Repeat it to retry safely: the same request with the same key is not done again; it answers the first outcome: what the first acted on, as it is now (an order with its current status, an account with its current balance), or the first refusal again. A key is yours and this operation's only; used again for a different request it fails with IDEMPOTENCY_KEY_REUSED and changes nothing. Keys are remembered for 24 hours (IDEMPOTENCY_WINDOW_MS); after that a request with one is a new request." +
    KEY_RULE_SENTENCE,
};

/**
 * For a mutation that shows a secret once (a key, a node credential): the secret is never stored,
 * so a retry cannot answer it again. The key still makes the mutation happen at most once.
 */
export const IDEMPOTENCY_KEY_SECRET_ONCE = {
  ...IDEMPOTENCY_KEY,
  description:
    "Makes it happen at most once: a key is yours and this operation's only, remembered for 24 hours. The answer holds a secret shown only once (only its digest is stored), so a retry with the same key cannot show it again: it fails with IDEMPOTENCY_KEY_REUSED, changes nothing, and says in its message (and extensions) what the first request made and how to recover (see the mutation's description)." +
    KEY_RULE_SENTENCE,
};

/** An id that the same caller's same idempotency key always gives, so a retry aims at what its first try made. */
export const idFromKey = (prefix: string, scope: string, idempotencyKey: string) =>
  `${prefix}-${createHash('sha256').update(`${scope}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;

/**
 * What a mutation that shows a secret once answers a used key: true of an identical retry (whose
 * secret, drawn anew, makes it a different request to the log) as of another request.
 */
export const SECRET_KEY_USED =
  'this idempotencyKey was already used, by this same request or another: a secret is shown only once, so a retry cannot show it again, and nothing was done';

/**
 * Runs a mutation that shows a secret once; a retry with a used key (IDEMPOTENCY_KEY_REUSED) is
 * answered with what the first request made and how to recover, when `recovery` can tell. Its
 * message never says "a different request": the same request again is refused the same way.
 */
export async function revealingOnce<T>(
  run: () => Promise<T>,
  recovery: () => Promise<{ message: string; extensions: Record<string, unknown> } | undefined>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof GraphQLError) || error.extensions['code'] !== 'IDEMPOTENCY_KEY_REUSED')
      throw error;
    const found = await recovery();
    throw apiError(
      'IDEMPOTENCY_KEY_REUSED',
      `${SECRET_KEY_USED}; ${found ? found.message : 'use a new key for a new request'}`,
      'idempotencyKey',
      found?.extensions ?? {},
    );
  }
}

/** A command as the gateway sends it: the key on the log is scoped; the client's own is kept for answers. */
export type GatewayCommand = OutgoingCommand & { idempotencyKey: string; clientKey: string };

/** Whose a key is: the admin, a worker's node, or an account. */
export function principalScope(p: Principal): string {
  if (p.roles.includes('admin')) return 'admin';
  if (p.nodeId) return `node:${p.nodeId}`;
  return `account:${p.accountId}`;
}

/**
 * A command to send under the client's idempotency key (one is made up when it gave none, so a
 * TIMEOUT can name a key to retry with), scoped to the caller and the command type. `madeHere`:
 * the key given was made by the gateway (a UUID for an order sent without a clientOrderId), as one
 * made up here is: no other request can have used it (keyMadeHere).
 */
export function command(
  principal: Principal,
  type: string,
  subject: string,
  data: Record<string, unknown>,
  idempotencyKey?: string,
  madeHere = false,
): GatewayCommand {
  const problem = idempotencyKey == null ? null : idempotencyKeyProblem(idempotencyKey);
  if (problem) throw apiError('BAD_USER_INPUT', problem, 'idempotencyKey');
  const clientKey = idempotencyKey ?? randomUUID();
  return {
    type,
    subject,
    data,
    idempotencyKey: scopedKey(principalScope(principal), type, clientKey),
    clientKey,
    ...(madeHere || idempotencyKey == null ? { keyMadeHere: true } : {}),
  };
}
