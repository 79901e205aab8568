/**
 * What a message may say of a value a worker sent (a commitment's seed, an opening's challengeId):
 * the value itself only when it has the form expected of it, otherwise what it is, in words. A
 * failure's detail is kept in the node's certification record, served by the API and shown by the
 * console, and a refusal's message goes back to the caller: neither repeats arbitrary input (a
 * control character, an escape sequence, an unpaired surrogate, 50,000 characters).
 */

/** A form a value may have, and its rule in words (for a message). */
export interface ValueForm {
  pattern: RegExp;
  rule: string;
}

/** An id as the marketplace writes them (contracts' entityId): a challenge's is 16 hex digits. */
export const ID_FORM: ValueForm = {
  pattern: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
  rule: 'an id of 1 to 128 letters, digits and . _ : -',
};
/** A generator's seed (prng.ts). */
export const SEED_FORM: ValueForm = { pattern: /^[0-9a-f]{32}$/, rule: '32 lowercase hex digits' };

// Unicode's control characters (C0, DEL, C1) and its line and paragraph separators.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/** Whether a value has the form: a message may then repeat it. */
export const wellFormed = (value: unknown, form: ValueForm): value is string =>
  typeof value === 'string' && form.pattern.test(value);

/**
 * A value in words, never the value: "a string of 50000 characters, with control characters",
 * "a number", "missing".
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value !== 'string') return `a ${typeof value}`;
  if (value.length === 0) return 'an empty string';
  const control = CONTROL.test(value) ? ', with control characters' : '';
  return `a string of ${value.length} character${value.length === 1 ? '' : 's'}${control}`;
}

/**
 * That a field a worker sent is not what the challenge expects: "commitment.seed is 00…0; the
 * challenge's is 01…ef", repeating the value only when it has the form, or "commitment.seed is not
 * 32 lowercase hex digits (it is a string of 9 characters, with control characters); the
 * challenge's is 01…ef". `expected` is the verifier's own value.
 */
export function wrongValue(field: string, value: unknown, form: ValueForm, expected: string): string {
  const got = wellFormed(value, form) ? `is ${value}` : `is not ${form.rule} (it is ${describeValue(value)})`;
  return `${field} ${got}; the challenge's is ${expected}`;
}
