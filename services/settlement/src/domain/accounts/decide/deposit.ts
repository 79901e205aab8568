import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';
import { fitsBalance, owned } from '../rules/balance';
import { missing } from './rejections';

/**
 * A deposit credits an open account, up to the largest amount an account can own (what it holds
 * for bids and has in leases' escrow counted: rules/balance.ts).
 */
export function deposit(
  command: AccountCommandOf<'settlement.Deposit'>,
  state: AccountState,
): Decision<AccountEvent> {
  if (!state.open) return missing(command.data.accountId);
  if (!fitsBalance(owned(state), command.data.amount)) {
    return reject(
      'BAD_USER_INPUT',
      'the balance would exceed the largest amount an account can hold',
      'amount',
    );
  }
  const { accountId, amount, reference } = command.data;
  return accept({
    type: 'settlement.FundsDeposited',
    data: { accountId, amount, reference: reference ?? null },
  });
}
