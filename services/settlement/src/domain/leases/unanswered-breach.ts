import { type SlaBreachReason, slaBreachReasonSchema } from '@gpux/contracts';
import type { NodeLiveness } from './delivered-until';
import { leaseBreach } from './lease-breach';

/**
 * The rule of a breach no early end answered: when the meter ends a breached lease itself.
 *
 * A lease on a node capacity recorded a breach of (lease-breach.ts: the first at or after its
 * start, whatever came after it, or one before it while the node is still suspended) is normally
 * ended by orders: the market breaches every lease of the node that ran past the breach's `at` (`orders.LeaseBreached`), and settlement ends it early
 * (`EndLeaseEarly`: charged up to `at`, the rest of its escrow back to the buyer). But orders keeps a
 * node's ended leases only an hour after its latest trade, so a breach that reaches it later (the
 * capacity → orders path stalled) finds no lease to breach, and one that never reaches it breaches
 * none: the meter charges such a lease no further than the breach (delivered-until.ts), and it
 * stayed ACTIVE, the rest of its escrow held, forever.
 *
 * So once the breach is `graceMs` old (counted from the lease's start where the breach came before
 * it), the meter ends the lease itself with the early end orders would have sent: the same `at`
 * (capacity records the breach's `at`, which orders is sent too) and the same reason (kept with the
 * breach in capacity's history of the node's breaches; NODE_SUSPENDED where it is not known, a model
 * folded before capacity kept that history and the node certified again since: the reason names the
 * credit, the money is the same). A later breach of the node (recertified, breached again) changes
 * neither: the lease ended at the first.
 * The charge is the same whoever ends it (up to `at`, never less than was charged, and the meter
 * never charged past `at`), and the account ends a lease once: an end that comes second finds no
 * running lease and is refused NOT_FOUND, in either order and on any replay. The grace leaves the
 * first word to orders, which knows which leases a breach ends, and lets capacity's model catch up
 * where the meter read it stale (a node certified again since, whose new lease is no breach's).
 *
 * A breach at or after the lease's end is none of it: the lease was delivered, and is charged in
 * full. Answers null while the lease is not to be ended by the meter.
 */
export function unansweredBreach(
  clock: number,
  lease: { start: number; end: number },
  node: NodeLiveness,
  graceMs: number,
): { at: string; reason: SlaBreachReason | 'NODE_SUSPENDED' } | null {
  const breach = leaseBreach(lease.start, node);
  if (breach === null || breach.at >= lease.end) return null;
  if (clock < Math.max(breach.at, lease.start) + graceMs) return null;
  const reason = slaBreachReasonSchema.safeParse(breach.reason);
  return { at: new Date(breach.at).toISOString(), reason: reason.success ? reason.data : 'NODE_SUSPENDED' };
}
