import { dollars } from '@gpux/contracts';
import { accept, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';

/** A trade turns part of a bid's hold into a lease's escrow (its value and fee). */
export function openLease(
  command: AccountCommandOf<'settlement.OpenLease'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { accountId, leaseId, holdId, value, fee } = command.data;
  if (own(state.leases, leaseId))
    return reject('ALREADY_EXISTS', `lease ${leaseId} already exists`, 'leaseId');
  const held = own(state.held, holdId) ?? 0;
  // Never happens while orders holds a bid's worst case: refused rather than overdrawn.
  if (value + fee > held)
    return reject(
      'INSUFFICIENT_FUNDS',
      `hold ${holdId} of ${accountId} has ${dollars(held)}, the lease needs ${dollars(value + fee)}`,
      'holdId',
    );
  return accept({ type: 'settlement.LeaseOpened', data: command.data });
}
