/** What a partition has written since its last snapshot, and what that snapshot was. */
export interface SinceSnapshot {
  /** Events written since the last snapshot, this transaction's included. */
  events: number;
  /** Their values' length (characters): what a rebuild from the last snapshot replays, roughly. */
  eventChars: number;
  /** The last snapshot's length (characters); 0 when there is none. */
  snapshotChars: number;
  /** Since the last snapshot (or since the partition was claimed). */
  ms: number;
}

/**
 * Whether to take a snapshot after a transaction that wrote `eventsNow` events: after `everyEvents`
 * events once they amount to at least the last snapshot's size, or after `everyMs` with events.
 *
 * A snapshot saves its rebuild the events before it, and costs what it takes to write: the whole
 * state and the remembered keys, serialized at once (megabytes for a market whose book has grown;
 * 66 ms of the partition's thread for 7 MB, measured). Taken every `everyEvents` whatever its size,
 * a large state was written far more often than its rebuild needs: now a rebuild replays at most
 * about the snapshot's size in events (or `everyEvents`, whichever is more) beyond the snapshot it
 * reads, so it reads at most about twice what the snapshot alone holds; a small state is still
 * taken every `everyEvents`. None without events in the transaction (its offset names where the
 * events after it start).
 */
export function snapshotDue(
  since: SinceSnapshot,
  eventsNow: number,
  everyEvents: number,
  everyMs: number,
): boolean {
  if (eventsNow === 0) return false;
  if (since.ms >= everyMs) return true;
  return since.events >= everyEvents && since.eventChars >= since.snapshotChars;
}
