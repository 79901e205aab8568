import { accruedCharge } from '../../leases/billing';
import type { LeaseEscrow } from '../account';

/**
 * The early-end rule: a lease whose delivery stopped at `stopped` (epoch ms) is due what it
 * delivered until then, not after its end and never less than what was already charged (the meter
 * charges in arrears, so normally that is earlier); the rest of its escrow goes back to the buyer.
 * `until`: when delivery stopped, as the lease knows it: never past its end (it delivered all of
 * it), nor before its start (a node breached before the lease began delivered none of it). The
 * early end's charge and credit record it.
 */
export function earlyEnd(
  lease: LeaseEscrow,
  stopped: number,
): { due: { value: number; fee: number }; refund: number; until: number } {
  const until = Math.min(Math.max(stopped, lease.start), lease.end);
  const upTo = accruedCharge(lease, until);
  const due = {
    value: Math.max(upTo.value, lease.chargedValue),
    fee: Math.max(upTo.fee, lease.chargedFee),
  };
  return { due, refund: lease.value + lease.fee - due.value - due.fee, until };
}
