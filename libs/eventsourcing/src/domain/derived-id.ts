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

/** The id of the `index`th event a command's decision recorded (the same outcome, the same id). */
export const outcomeEventId = (commandId: string, index: number): string =>
  derivedId(`${commandId}#${index}`);

/**
 * The id (and idempotency key) of the `index`th command process manager `manager` emits for the
 * event `eventId`, whoever writes it (docs/event-flows.md, "Reactions in the writer's transaction").
 */
export const reactionCommandId = (manager: string, eventId: string, index: number): string =>
  derivedId(`${manager}:${eventId}:${index}`);
