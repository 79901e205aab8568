/**
 * The idempotency keys a process bound lately, each to its request's fingerprint, in the process'
 * own memory. A key's binding in Redis goes with a FLUSHALL, and its outcome is refolded only once
 * its command is decided: a command still queued then (a backlog on its partition, or in the
 * sender's own queue) has no outcome to tell its key by, and another request with the key, sent to
 * another partition (an administrator's key on another account), was bound and decided too: one
 * key, two requests done. What this process bound itself outlives the flush here. A key is kept
 * `keepMs` from its last binding (10 minutes: far past any command's wait for its outcome), and at
 * most `max` keys (the oldest forgotten first).
 */
export class RecentBindings {
  private readonly bound = new Map<string, { fingerprint: string; at: number }>();

  constructor(
    private readonly keepMs = 10 * 60_000,
    private readonly max = 200_000,
  ) {}

  /** Whether `key` was bound here lately to a request other than `fingerprint`'s. */
  boundToAnother(key: string, fingerprint: string, now: number): boolean {
    const was = this.bound.get(key);
    return was !== undefined && now - was.at < this.keepMs && was.fingerprint !== fingerprint;
  }

  /** `key` is bound to `fingerprint` as of `now`; the oldest past `keepMs` or `max` are forgotten. */
  remember(key: string, fingerprint: string, now: number): void {
    this.bound.delete(key);
    this.bound.set(key, { fingerprint, at: now });
    for (const [oldest, { at }] of this.bound) {
      if (this.bound.size <= this.max && now - at < this.keepMs) break;
      this.bound.delete(oldest);
    }
  }

  get size(): number {
    return this.bound.size;
  }
}
