import { dollars } from '@gpux/contracts';
import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { MarketCommandOf, MarketEvent, MarketState } from '../market';
import { powerOf } from '../rules/buying-power';

/**
 * The account takes back buying power its bids do not use (`amount`, or all of it): returned to
 * settlement's hold for it in the same transaction (escrow-holds: ReleaseHold), from where it is
 * available to the account again. What its resting bids hold stays with them until they trade or
 * are cancelled.
 */
export function releaseBuyingPower(
  command: MarketCommandOf<'orders.ReleaseBuyingPower'>,
  state: MarketState,
): Decision<MarketEvent> {
  const { marketId, accountId, amount } = command.data;
  if (!state.spec) return reject('NOT_FOUND', `market ${marketId} does not exist`, 'marketId');
  const power = powerOf(state, accountId);
  if (power === 0)
    return reject(
      'BAD_USER_INPUT',
      `account ${accountId} has no buying power in market ${marketId} that its bids do not use: nothing to release`,
      'marketId',
    );
  if (amount !== undefined && amount > power)
    return reject(
      'INSUFFICIENT_FUNDS',
      `account ${accountId} has ${dollars(power)} of buying power in market ${marketId} that its bids do not use, cannot release ${dollars(amount)}: release at most that, or cancel bids to free what they hold`,
      'amount',
      { available: power },
    );
  return accept({
    type: 'orders.BuyingPowerReturned',
    data: { marketId, accountId, amount: amount ?? power, reason: 'RELEASED' },
  });
}
