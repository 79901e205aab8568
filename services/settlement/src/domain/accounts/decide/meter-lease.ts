import { accept, DecideContext, Decision, own, reject } from '@gpux/eventsourcing/domain';
import { accruedCharge } from '../../leases/billing';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';
import { chargeTo } from '../rules/lease-charge';
import { meteredUntil } from '../rules/metered-until';
import { noLease } from './rejections';

/**
 * The meter charges a running lease what it has delivered up to `upTo` (never past the clock, nor
 * the lease's end: metered-until.ts), and its charge says up to when.
 */
export function meterLease(
  command: AccountCommandOf<'settlement.MeterLease'>,
  state: AccountState,
  { now }: DecideContext,
): Decision<AccountEvent> {
  const { accountId, leaseId, upTo } = command.data;
  const lease = own(state.leases, leaseId);
  if (!lease) return noLease(accountId, leaseId);
  const until = meteredUntil(lease.end, now.getTime(), upTo ? Date.parse(upTo) : undefined);
  const due = accruedCharge(lease, until);
  const charged = chargeTo(
    accountId,
    leaseId,
    lease,
    due,
    due.value === lease.value && due.fee === lease.fee,
    until,
  );
  return charged
    ? accept({ type: 'settlement.LeaseCharged', data: charged })
    : reject('BAD_USER_INPUT', `nothing of lease ${leaseId} is due yet`, 'leaseId');
}
