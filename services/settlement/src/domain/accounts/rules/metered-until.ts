/**
 * The meter's rule of time: a MeterLease charges a lease for what it delivered up to the instant
 * the meter asks (`upTo`, or the decider's clock where it names none), never past that clock (a
 * meter's clock ahead of the decider's charges nothing not yet delivered) nor past the lease's end
 * (nothing accrues after it). The charge records that instant as its `upTo`.
 */
export function meteredUntil(end: number, now: number, upTo?: number): number {
  return Math.min(upTo ?? now, now, end);
}
