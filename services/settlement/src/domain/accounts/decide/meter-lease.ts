import { accept, DecideContext, Decision, own, reject } from '@gpux/eventsourcing/domain';
import { accruedCharge } from '../../leases/billing';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';
import { chargeTo } from '../rules/lease-charge';
import { noLease } from './rejections';

/** The meter charges a running lease what it has delivered up to `upTo` (never past the clock). */
export function meterLease(
  command: AccountCommandOf<'settlement.MeterLease'>,
  state: AccountState,
  { now }: DecideContext,
): Decision<AccountEvent> {
  const { accountId, leaseId, upTo } = command.data;
  const lease = own(state.leases, leaseId);
  if (!lease) return noLease(accountId, leaseId);
  const due = accruedCharge(lease, Math.min(upTo ? Date.parse(upTo) : now.getTime(), now.getTime()));
  const charged = chargeTo(
    accountId,
    leaseId,
    lease,
    due,
    due.value === lease.value && due.fee === lease.fee,
  );
  return charged
    ? accept({ type: 'settlement.LeaseCharged', data: charged })
    : reject('BAD_USER_INPUT', `nothing of lease ${leaseId} is due yet`, 'leaseId');
}
