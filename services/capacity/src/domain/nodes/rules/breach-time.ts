/**
 * The breach-time rule: a breach is dated no later than the node's last heartbeat where the
 * command brings one, what the marketplace knows was delivered. Settlement's meter charges a
 * watched node no further than its last heartbeat (delivered-until.ts), and a breached lease's
 * early end charges up to the breach. Dated at the decision instead, a breach after the heartbeats
 * stopped (a spot check that went unanswered: the node froze) charged the buyer for the seconds
 * between the last heartbeat and the decision; and a lease that ended in between was neither
 * breached (it had ended by the breach) nor ever charged to its end (past the last heartbeat):
 * its last part stayed in escrow until the node heartbeated again, if it ever did.
 */
export function breachAt(now: Date, lastHeartbeatAt?: string | null): string {
  const beat = lastHeartbeatAt ? Date.parse(lastHeartbeatAt) : NaN;
  return new Date(Number.isNaN(beat) ? now.getTime() : Math.min(beat, now.getTime())).toISOString();
}
