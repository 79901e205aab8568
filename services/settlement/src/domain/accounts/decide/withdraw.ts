import { dollars } from '@gpux/contracts';
import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';
import { availableBalance, covers } from '../rules/balance';
import { missing } from './rejections';

/** A withdrawal debits what the available balance covers. */
export function withdraw(
  command: AccountCommandOf<'settlement.Withdraw'>,
  state: AccountState,
): Decision<AccountEvent> {
  if (!state.open) return missing(command.data.accountId);
  const { accountId, amount, reference } = command.data;
  if (!covers(state, amount)) {
    return reject(
      'INSUFFICIENT_FUNDS',
      `account ${accountId} has ${dollars(availableBalance(state))} available, cannot withdraw ${dollars(amount)}`,
      'amount',
    );
  }
  return accept({
    type: 'settlement.FundsWithdrawn',
    data: { accountId, amount, reference: reference ?? null },
  });
}
