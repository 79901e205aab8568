import { dollars } from '@gpux/contracts';
import { Decision, reject } from '@gpux/eventsourcing/domain';
import type { AccountEvent, AccountState } from '../account';
import { availableBalance } from '../rules/balance';

/**
 * The refusal of a payment the available balance does not cover (`covers`): a withdrawal, a hold,
 * buying power.
 * INSUFFICIENT_FUNDS on the amount, saying what is available, which the rejection also carries as
 * a figure (`available`, minor units): the gateway answers it from there (extensions.available),
 * never by reading the message, so the message's words may change. A balance with a carry covers
 * any amount, so what is available here is the balance alone: below 2^53, a safe integer.
 */
export function shortOfFunds(
  accountId: string,
  state: AccountState,
  amount: number,
  paying: 'withdraw' | 'hold' | 'set aside as buying power',
): Decision<AccountEvent> {
  const available = availableBalance(state);
  return reject(
    'INSUFFICIENT_FUNDS',
    `account ${accountId} has ${dollars(available)} available, cannot ${paying} ${dollars(amount)}`,
    'amount',
    { available: Number(available) },
  );
}
