import { createHash } from 'node:crypto';

/**
 * A subscription never sends a message identical to the last one it sent for the same entity (an
 * order, a node, a market's book or ticker, a trade). A view subscription re-reads its entity on
 * every notice: two events applied before the first notice is read (a bid that trades at once:
 * accepted, then filled) were read twice as the same state, and sent twice. This keeps, per
 * subscription, a fingerprint of what it last sent for each entity, for at most `max` entities
 * (the least recently sent one forgotten first), so that it stays small however many entities
 * pass: a forgotten entity's next message is sent whatever it is. 64: repeats come within a moment of
 * each other (one notice per event of one batch), and a gateway may hold 10,000 sockets of 20
 * subscriptions each, so what each remembers is kept to about 10 KB.
 */
export class LastSent {
  private readonly sent = new Map<string, string>();

  constructor(private readonly max = 64) {}

  /**
   * Whether `view` is what was sent last for `entity` (so is not to be sent again); when it is not,
   * it is recorded as sent.
   */
  repeats(entity: string, view: unknown): boolean {
    const print = fingerprint(view);
    const last = this.sent.get(entity);
    // Most recently sent last: a Map iterates in insertion order.
    this.sent.delete(entity);
    this.sent.set(entity, print);
    if (last === print) return true;
    if (this.sent.size > this.max) this.sent.delete(this.sent.keys().next().value as string);
    return false;
  }

  /** How many entities it remembers. */
  get size(): number {
    return this.sent.size;
  }
}

/** The entity of each view RedisPubSub.iterate yields (weakly: gone with the view). */
const entities = new WeakMap<object, string>();

/** Records that `view` stands for `entity` (an order's id, a trade's), for entityOf. */
export function nameEntity(view: unknown, entity: string): void {
  if (typeof view === 'object' && view !== null && entity !== '') entities.set(view, entity);
}

/**
 * The entity a subscription's event stands for, as RedisPubSub.iterate named it: what the result a
 * watcher is sent for it is compared under (shared-subscriptions.ts); '' for a channel's one entity.
 */
export function entityOf(view: unknown): string {
  return (typeof view === 'object' && view !== null && entities.get(view)) || '';
}

/**
 * One view object is handed to every subscriber of its channel (pubsub.ts): its fingerprint is
 * worked out once.
 */
const prints = new WeakMap<object, string>();

/**
 * A digest of what a view sends: its JSON with keys sorted, null and undefined alike (GraphQL sends
 * both as null), so that the same state read twice has the same fingerprint.
 */
export function fingerprint(view: unknown): string {
  const cacheable = typeof view === 'object' && view !== null;
  const known = cacheable ? prints.get(view) : undefined;
  if (known !== undefined) return known;
  const json =
    JSON.stringify(view, (_key, value: unknown) => {
      if (value === null) return undefined;
      if (typeof value === 'bigint') return `${value}n`;
      if (typeof value === 'object' && !Array.isArray(value))
        return Object.fromEntries(
          Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        );
      return value;
    }) ?? '';
  const print = createHash('sha256').update(json).digest('base64');
  if (cacheable) prints.set(view, print);
  return print;
}
