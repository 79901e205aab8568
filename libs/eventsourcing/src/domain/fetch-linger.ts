/**
 * Group commit under load, for a consumer of the log (a service's partition workers and their
 * commands, a read model and its events): a partition's batch of at least `fromRecords` records
 * says they are arriving faster than they are handled, so the consumer fetches again only
 * `lingerMs` after that batch's fetch came back, and the next batch, one Kafka transaction or one
 * Redis script call, carries what gathered meanwhile. A smaller batch (a quiet partition) is
 * followed by the next fetch at once: nothing waits where nothing queues, and no record waits more
 * than `lingerMs` for it. Nor does a batch that held a record a caller waits on (a command a client
 * sent, not one a process manager derived from an event): its partition is serving callers, whose
 * next commands would pay the linger in their answers; the linger is for work nobody waits on.
 *
 * Why not the broker's own wait (a fetch's minBytes and maxWaitTime): it holds every fetch for its
 * bytes, so at light load each lone record would wait the whole linger.
 *
 * Pure: the consumer keeps when its fetch came back and does the waiting.
 */
export interface FetchLinger {
  /** The most a batch's fetch is followed by a wait, in ms; 0: never wait. */
  lingerMs: number;
  /** The smallest batch (records of one partition) after which the consumer waits. */
  fromRecords: number;
}

/** What a handled batch says of its partition's load. */
export interface HandledBatch {
  /** Records of one partition in the batch. */
  records: number;
  /** Whether a caller waits on any of them (a client's command). */
  awaited: boolean;
}

/**
 * How long to wait (ms) before the next fetch, after handling `batch`, whose fetch came back at
 * `fetchedAt`, now being `now` (both in ms of the same clock).
 */
export function lingerAfter(
  linger: FetchLinger,
  batch: HandledBatch,
  fetchedAt: number,
  now: number,
): number {
  if (!(linger.lingerMs > 0) || batch.awaited || batch.records < Math.max(1, linger.fromRecords)) return 0;
  return Math.max(0, Math.min(linger.lingerMs, fetchedAt + linger.lingerMs - now));
}
