import { accept, Decision } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';
import { creditsOpen } from '../earnings-credits';

/**
 * A lease that ended early is done with the account's credits: closed, so the account stops
 * counting them (earnings-credits.ts). Nothing to close (never credited, or a last credit finished
 * it already) is accepted with no events, as a credit already paid is.
 */
export function closeLeaseCredits(
  command: AccountCommandOf<'settlement.CloseLeaseCredits'>,
  state: AccountState,
): Decision<AccountEvent> {
  if (!creditsOpen(state.credited, command.data)) return accept();
  return accept({ type: 'settlement.LeaseCreditsClosed', data: command.data });
}
