import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth (and `undefined` members dropped, as JSON.stringify
 * drops them), so two equal values always give the same text whatever order their keys came in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const members = Object.keys(value)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${members.join(',')}}`;
}

/**
 * What a request was, as a stable hash: the command's type, subject and data (canonical JSON,
 * sha256, hex). The same request sent again has the same fingerprint; anything else differs.
 */
export function fingerprint(command: { type: string; subject: string; data: unknown }): string {
  return createHash('sha256')
    .update(canonicalJson({ type: command.type, subject: command.subject, data: command.data }))
    .digest('hex');
}

/** Outcome events carry the fingerprint of their command's request, so a rebuild remembers it too. */
export const FINGERPRINT_HEADER = 'gpux_fingerprint';
/** The header's value on an answer whose key is not remembered (a refused reuse, an unreadable command). */
export const ANSWER_ONLY = '-';

/**
 * The fingerprint of the request an outcome event answers, from its FINGERPRINT_HEADER; undefined
 * for an answer whose key is not remembered, or an event without one (written before the header).
 */
export function requestFingerprintOf(header: string | undefined): string | undefined {
  return header && header !== ANSWER_ONLY ? header : undefined;
}
