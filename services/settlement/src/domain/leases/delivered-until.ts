import { leaseBreach, type RecordedBreaches } from './lease-breach';

/**
 * The delivery rule of the meter: how far a running lease may be charged.
 *
 * The meter charges in arrears, `LEASE_CHARGE_DELAY_MS` behind the clock, so that a node's breach
 * (dated at its last heartbeat, for a lost node) normally reaches settlement before the time it
 * credits is charged. But a breach can come later than that (capacity down or restarted, its
 * watchdog paused while its model is refolded): the meter then charged the buyer for time the node
 * did not deliver, which the breach could no longer give back (an early end never charges less than
 * was charged). So a lease on a node whose worker capacity watched during the lease is charged no
 * further than that worker's last heartbeat: what the marketplace knows was delivered. A node that
 * no worker watches (an administrator's certificate) is charged up to `until`, as before.
 *
 * Nor is a lease charged past the breach that ended it, as capacity recorded it (lease-breach.ts: the
 * first of its node's breaches at or after its start, or one before it while the node is still
 * suspended by it): orders breaches every such lease, and its early end charges up to `at`, never
 * less than was charged. A node can go on beating past its breach (a failed spot check), or stop
 * being watched at it (a revoked credential ends its session), so the heartbeat alone would let a
 * late breach find that time paid; and a node recertified and breached again before the lease was
 * ended has its later breach in the hash, which would let the meter charge up to it.
 */
export interface NodeLiveness extends RecordedBreaches {
  /** The node's current session, where it has one (capacity's read model). */
  sessionId?: string | null;
  /** When its last session was lost, or left (ISO), where one was. */
  lostAt?: string | null;
  leftAt?: string | null;
  /** Its last heartbeat's time (ISO, as the gateway wrote it and the breach dates it); null: none kept. */
  beat: string | null;
  /**
   * The last heartbeat its ended session's loss or leave recorded (ISO): an event's, so still known
   * once the live one is gone (Redis flushed) and no worker will write another.
   */
  lastBeatAt?: string | null;
}

/**
 * The time (epoch ms) a lease that started at `leaseStart` may be charged up to, at most `clock`;
 * null while nothing may be charged: a watched node whose heartbeat is not known (Redis flushed,
 * until the next one is written; a session that ended since was lost or left at a heartbeat it
 * recorded, up to which its leases are charged: else a lease that ended before it, its last part
 * not yet charged, would wait in escrow forever for a heartbeat that never comes, with no breach
 * to end it).
 */
export function deliveredUntil(clock: number, leaseStart: number, node: NodeLiveness): number | null {
  const breach = leaseBreach(leaseStart, node)?.at ?? null;
  const until = breach === null ? clock : Math.min(clock, breach);
  const ended = Math.max(
    Date.parse(node.lostAt ?? '') || -Infinity,
    Date.parse(node.leftAt ?? '') || -Infinity,
  );
  const watched = !!node.sessionId || ended >= leaseStart;
  if (!watched) return until;
  const beat = Math.max(...[node.beat, node.lastBeatAt].map((t) => Date.parse(t ?? '') || -Infinity));
  return beat === -Infinity ? null : Math.min(until, beat);
}
