import { dollars } from '@gpux/contracts';
import { accept, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';

/** Part or all of a hold goes back to the available balance, never more than it holds. */
export function releaseHold(
  command: AccountCommandOf<'settlement.ReleaseHold'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { accountId, holdId, amount } = command.data;
  const held = own(state.held, holdId);
  if (held === undefined) return reject('NOT_FOUND', `account ${accountId} has no hold ${holdId}`, 'holdId');
  if (amount > held)
    return reject(
      'BAD_USER_INPUT',
      `hold ${holdId} holds ${dollars(held)}, cannot release ${dollars(amount)}`,
      'amount',
    );
  return accept({ type: 'settlement.HoldReleased', data: command.data });
}
