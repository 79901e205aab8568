import { accept, Decision } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';
import { covers } from '../rules/balance';
import { missing } from './rejections';
import { shortOfFunds } from './short-of-funds';

/** A withdrawal debits what the available balance covers. */
export function withdraw(
  command: AccountCommandOf<'settlement.Withdraw'>,
  state: AccountState,
): Decision<AccountEvent> {
  if (!state.open) return missing(command.data.accountId);
  const { accountId, amount, reference } = command.data;
  if (!covers(state, amount)) return shortOfFunds(accountId, state, amount, 'withdraw');
  return accept({
    type: 'settlement.FundsWithdrawn',
    data: { accountId, amount, reference: reference ?? null },
  });
}
