// What the buyer's leases table says of a lease beyond its numbers.

/** A lease as the table reads it: its status, and why it ended early where it did. */
export interface LeaseState {
  status: string;
  endedReason: string | null;
}

/**
 * Its status, and for a lease ended early (CREDITED) why: its node's breach (Lease.endedReason),
 * so the buyer need not guess from the node's suspendedReason, which changes as it recertifies.
 */
export function leaseStatus(l: LeaseState): string {
  return l.endedReason ? `${l.status} (${l.endedReason})` : l.status;
}
