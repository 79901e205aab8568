/**
 * The breach rule of a lease: which of its node's breaches, as capacity recorded them, ended it.
 *
 * The first at or after the lease's start: delivery stopped there, and orders breaches the lease at
 * it (`orders.LeaseBreached`, then `EndLeaseEarly` up to its `at`). What the node did after it is
 * none of the lease's: recertified and breached again before orders ended the lease (orders may lag,
 * or be down), its later breach must not stretch the charge past the first, time not delivered.
 * Capacity's node hash keeps only the last breach (`suspendedAt`; a recertification drops its
 * reason), so the rule reads the node's breaches capacity keeps beside it (`nodeBreaches`, a bounded
 * history: libs/contracts' NODE_BREACHES_KEPT_MS says why the bound is safe).
 *
 * A breach before the lease's start bears on it only while the node is still suspended by it (a
 * trade the market made before it heard of the breach): then it is the node's last breach, the
 * hash's. One a recertification answered since is none of a lease sold after it.
 */
export interface RecordedBreaches {
  /** capacity's status of the node (SUSPENDED from a breach until it recertifies). */
  status?: string | null;
  /** Its last breach's `at` (ISO), and why while it is suspended (an SLA breach reason). */
  suspendedAt?: string | null;
  suspendedReason?: string | null;
  /**
   * Its breaches capacity keeps (`at`, ISO, and reason), in any order: all of them, or at least the
   * first at or after the lease's start (the meter reads only that one); none in a model folded
   * before capacity kept them (its last one, `suspendedAt`, is then all that is known).
   */
  breaches?: readonly { at: string; reason?: string | null }[] | null;
}

/** A breach as the rule found it: its `at` (epoch ms), and its reason where it is known. */
export interface LeaseBreach {
  at: number;
  reason: string | null;
}

/** The breach that ended a lease that started at `leaseStart` (epoch ms); null where none did. */
export function leaseBreach(leaseStart: number, node: RecordedBreaches): LeaseBreach | null {
  const last = Date.parse(node.suspendedAt ?? '');
  const recorded: LeaseBreach[] = [
    ...(node.breaches ?? []).map((b) => ({ at: Date.parse(b.at), reason: b.reason ?? null })),
    { at: last, reason: node.suspendedReason ?? null },
  ]
    .filter((b) => !Number.isNaN(b.at))
    // In time order; of two at one time, the one that names its reason first.
    .sort((a, b) => a.at - b.at || Number(b.reason !== null) - Number(a.reason !== null));
  const during = recorded.find((b) => b.at >= leaseStart);
  if (during) return during;
  if (node.status !== 'SUSPENDED' || Number.isNaN(last)) return null;
  return recorded.find((b) => b.at === last) ?? null;
}
