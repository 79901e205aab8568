import { accept, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';
import { covers } from '../rules/balance';
import { missing } from './rejections';
import { shortOfFunds } from './short-of-funds';

/**
 * A bid's escrow: set aside from the available balance, once per hold, if the balance covers it.
 * A hold that carries its bid (the gateway's, docs/event-flows.md) is that bid's: its account, id
 * and market, so that what orders later releases for it comes back to this hold.
 */
export function holdFunds(
  command: AccountCommandOf<'settlement.HoldFunds'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { accountId, holdId, amount, marketId, order } = command.data;
  if (order && (order.accountId !== accountId || order.orderId !== holdId || order.marketId !== marketId))
    return reject(
      'BAD_USER_INPUT',
      "a hold's order must be its own: the same account, id and market",
      'order',
    );
  if (!state.open) return missing(accountId);
  if (own(state.held, holdId) !== undefined)
    return reject('ALREADY_EXISTS', `hold ${holdId} already exists`, 'holdId');
  if (!covers(state, amount)) return shortOfFunds(accountId, state, amount, 'hold');
  return accept({ type: 'settlement.FundsHeld', data: command.data });
}
