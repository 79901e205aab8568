import { accruedCharge } from '../../leases/billing';
import type { LeaseEscrow } from '../account';

/**
 * The early-end rule: a lease whose delivery stopped at `stopped` (epoch ms) is due what it
 * delivered until then, not after its end and never less than what was already charged (the meter
 * charges in arrears, so normally that is earlier); the rest of its escrow goes back to the buyer.
 */
export function earlyEnd(
  lease: LeaseEscrow,
  stopped: number,
): { due: { value: number; fee: number }; refund: number } {
  const upTo = accruedCharge(lease, Math.min(stopped, lease.end));
  const due = {
    value: Math.max(upTo.value, lease.chargedValue),
    fee: Math.max(upTo.fee, lease.chargedFee),
  };
  return { due, refund: lease.value + lease.fee - due.value - due.fee };
}
