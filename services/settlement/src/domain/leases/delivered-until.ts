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
 */
export interface NodeLiveness {
  /** The node's current session, where it has one (capacity's read model). */
  sessionId?: string | null;
  /** When its last session was lost, or left (ISO), where one was. */
  lostAt?: string | null;
  leftAt?: string | null;
  /** Its last heartbeat's time (ISO, as the gateway wrote it and the breach dates it); null: none kept. */
  beat: string | null;
}

/**
 * The time (epoch ms) a lease that started at `leaseStart` may be charged up to, at most `until`;
 * null while nothing may be charged: a watched node whose heartbeat is not known (Redis flushed,
 * until the next one is written).
 */
export function deliveredUntil(until: number, leaseStart: number, node: NodeLiveness): number | null {
  const ended = Math.max(
    Date.parse(node.lostAt ?? '') || -Infinity,
    Date.parse(node.leftAt ?? '') || -Infinity,
  );
  const watched = !!node.sessionId || ended >= leaseStart;
  if (!watched) return until;
  const beat = node.beat === null ? NaN : Date.parse(node.beat);
  return Number.isNaN(beat) ? null : Math.min(until, beat);
}
