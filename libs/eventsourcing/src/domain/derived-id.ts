import { createHash } from 'node:crypto';

/**
 * A UUID-shaped id that the same seed always gives (the first 128 bits of its SHA-256, grouped
 * 8-4-4-4-12): the id of an outcome event derived from its command, or of a command a process
 * manager emits for an event, so a retried transaction writes the same ids and the log's readers
 * see a duplicate, not a new message. The derivation is part of the log's format: changing it
 * would give replays different ids.
 */
export function derivedId(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
