/**
 * What a lease owes as it runs: its value and fee accrue linearly over [start, end], in whole
 * minor units rounded down, so the sum of all charges is exactly the value and fee at the end.
 */
export interface LeaseTerms {
  value: number;
  fee: number;
  /** ms since the epoch */
  start: number;
  end: number;
}

/** The part of `total` accrued by `now`: total × elapsed / duration, exact (bigint), floored. */
export function accrued(total: number, start: number, end: number, now: number): number {
  if (now >= end || end <= start) return total;
  if (now <= start) return 0;
  return Number((BigInt(total) * BigInt(Math.floor(now - start))) / BigInt(end - start));
}

/** Value and fee accrued by `now`. */
export function accruedCharge(lease: LeaseTerms, now: number): { value: number; fee: number } {
  return {
    value: accrued(lease.value, lease.start, lease.end, now),
    fee: accrued(lease.fee, lease.start, lease.end, now),
  };
}
