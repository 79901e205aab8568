import { accept, Decision } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';
import { alreadyCredited } from '../earnings-credits';

/** A provider's earnings (or the platform's fee) of a lease charge, credited once. */
export function creditEarnings(
  command: AccountCommandOf<'settlement.CreditEarnings'>,
  state: AccountState,
): Decision<AccountEvent> {
  // A charge credited already (its process manager replayed it): nothing to do, and nothing
  // wrong either, so accepted with no events rather than rejected.
  if (alreadyCredited(state.credited, command.data)) return accept();
  // Earnings are money already taken from a buyer: they are never refused.
  return accept({ type: 'settlement.EarningsCredited', data: command.data });
}
