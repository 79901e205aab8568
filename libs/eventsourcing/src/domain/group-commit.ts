/**
 * Group commit: when to write what has queued up, so that under load one Kafka request (the
 * gateway's sends) or one transaction (a partition worker's decisions) carries many commands,
 * while a lone command goes out at once. Pure: the callers hold the queue and the timer.
 */
export interface GroupCommitPolicy {
  /** The most commands in one write. */
  maxBatch: number;
  /**
   * How long the oldest queued command may wait for company, in ms. 0: only what is already
   * queued (what arrived while the previous write was in flight) goes together; nobody waits.
   */
  lingerMs: number;
}

export interface GroupCommitState {
  /** Commands queued and not yet written. */
  queued: number;
  /** A write is in flight: the next starts when it ends (one at a time keeps the log's order). */
  inFlight: boolean;
  /** How long the oldest queued command has waited, in ms. */
  oldestWaitedMs: number;
}

export type GroupCommitDecision =
  /** Write the first `count` queued commands now. */
  | { write: number }
  /** Ask again in `ms` (the rest of the linger), or when another command arrives. */
  | { waitMs: number }
  /** Nothing to do until a command arrives or the write in flight ends. */
  | 'idle';

export function groupCommit(state: GroupCommitState, policy: GroupCommitPolicy): GroupCommitDecision {
  const maxBatch = Math.max(1, Math.floor(policy.maxBatch));
  if (state.queued <= 0 || state.inFlight) return 'idle';
  if (state.queued >= maxBatch) return { write: maxBatch };
  const left = Math.max(0, policy.lingerMs) - state.oldestWaitedMs;
  if (left <= 0) return { write: state.queued };
  return { waitMs: left };
}

/** Splits `count` buffered commands into consecutive transactions of at most `maxBatch`: their sizes. */
export function transactionSizes(count: number, maxBatch: number): number[] {
  const size = Math.max(1, Math.floor(maxBatch));
  const sizes: number[] = [];
  for (let left = count; left > 0; left -= size) sizes.push(Math.min(size, left));
  return sizes;
}

/**
 * How many of the queued commands, first to last, one write takes within `maxBytes` (the broker
 * refuses a record batch above its message.max.bytes): at least one, at most `count`.
 */
export function fitBytes(sizes: readonly number[], count: number, maxBytes: number): number {
  let bytes = 0;
  let n = 0;
  for (const size of sizes.slice(0, count)) {
    if (n > 0 && bytes + size > maxBytes) break;
    bytes += size;
    n++;
  }
  return Math.max(1, n);
}
