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
