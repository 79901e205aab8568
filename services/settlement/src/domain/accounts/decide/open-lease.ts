import { dollars } from '@gpux/contracts';
import { accept, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';

/**
 * A trade turns part of a bid's hold into a lease's escrow (its value and fee), and gives back
 * `holdReleased` of the rest (the bid's limit above the trade's price) in the same decision: both
 * or neither.
 */
export function openLease(
  command: AccountCommandOf<'settlement.OpenLease'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { holdReleased = 0, ...lease } = command.data;
  const { accountId, leaseId, holdId, value, fee } = lease;
  if (own(state.leases, leaseId))
    return reject('ALREADY_EXISTS', `lease ${leaseId} already exists`, 'leaseId');
  const held = own(state.held, holdId) ?? 0;
  // Never happens while orders holds a bid's worst case: refused rather than overdrawn.
  if (value + fee + holdReleased > held)
    return reject(
      'INSUFFICIENT_FUNDS',
      `hold ${holdId} of ${accountId} has ${dollars(held)}, the lease needs ${dollars(value + fee)}` +
        (holdReleased ? ` and gives back ${dollars(holdReleased)}` : ''),
      'holdId',
    );
  const events: AccountEvent[] = [{ type: 'settlement.LeaseOpened', data: lease }];
  if (holdReleased > 0)
    events.push({ type: 'settlement.HoldReleased', data: { accountId, holdId, amount: holdReleased } });
  return accept(...events);
}
