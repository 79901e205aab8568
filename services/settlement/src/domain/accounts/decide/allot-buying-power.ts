import { buyingPowerHoldId } from '@gpux/contracts';
import { accept, Decision } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';
import { covers } from '../rules/balance';
import { missing } from './rejections';
import { shortOfFunds } from './short-of-funds';

/**
 * Buying power for one market (docs/event-flows.md, "Buying power"): set aside from the available
 * balance, if it covers it, in the account's hold for that market, added to what it holds already.
 * The market is granted it in the same transaction (escrow-answers); whether the market takes it
 * is the market's decision (a closed one gives it all back).
 */
export function allotBuyingPower(
  command: AccountCommandOf<'settlement.AllotBuyingPower'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { accountId, marketId, amount } = command.data;
  if (!state.open) return missing(accountId);
  if (!covers(state, amount)) return shortOfFunds(accountId, state, amount, 'set aside as buying power');
  return accept({
    type: 'settlement.BuyingPowerAllotted',
    data: { ...command.data, holdId: buyingPowerHoldId(marketId) },
  });
}
