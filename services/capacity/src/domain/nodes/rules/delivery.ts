import { allowedMs, type Challenge } from '@gpux/certification';

/**
 * The delivery rule: a spot check's clock starts when its worker is handed it. Issued by the
 * watchdog, it reaches the worker only at the worker's next heartbeat, up to an interval later; its
 * deadline at issue allows for that (challenge-timing.ts), so it only bounds how long the check may
 * wait to be fetched. Handed out, it is timed as a certification is from its issue: the time its
 * claim allows from the delivery (the claimed compute time plus the protocol's slack), and the
 * figure it measures is counted from there. The seed leaves the gateway only once the delivery is
 * recorded, so nothing of it can be computed before this clock starts.
 */
export function deliveredAt(challenge: Challenge, at: number): Challenge {
  return { ...challenge, issuedAt: at, deadline: at + allowedMs(challenge, challenge.claimedTflops) };
}
