import type { LeaseCharged } from '@gpux/contracts';
import type { LeaseEscrow } from '../account';

/**
 * The charge rule: the charge that brings a lease's totals to `due` (value and fee), what it
 * accrued by `upTo` (epoch ms, recorded as the charge's `upTo`), or null when that charges nothing
 * (or would charge less than nothing). `final`: nothing of the lease remains in escrow after it (a
 * final charge is made even of nothing, to close the lease).
 */
export function chargeTo(
  accountId: string,
  leaseId: string,
  lease: LeaseEscrow,
  due: { value: number; fee: number },
  final: boolean,
  upTo: number,
): LeaseCharged | null {
  const amount = due.value - lease.chargedValue;
  const fee = due.fee - lease.chargedFee;
  if (amount === 0 && fee === 0 && !final) return null;
  // Due up to a time already charged past (a meter's command that waited behind a later one, or
  // from an instance whose clock is behind): nothing is due, and nothing is given back.
  if (amount < 0 || fee < 0) return null;
  return {
    accountId,
    leaseId,
    providerId: lease.providerId,
    amount,
    fee,
    chargedValue: due.value,
    chargedFee: due.fee,
    final,
    upTo: new Date(upTo).toISOString(),
  };
}
