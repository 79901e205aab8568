import { accept, Decision, reject } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';
import { refusePlatformAccount } from '../rules/platform-account';

/** An account opens once, for its owner; not the platform's (rules/platform-account.ts). */
export function openAccount(
  command: AccountCommandOf<'settlement.OpenAccount'>,
  state: AccountState,
): Decision<AccountEvent> {
  const platform = refusePlatformAccount(command.data.accountId);
  if (platform) return platform;
  if (state.open)
    return reject('ALREADY_EXISTS', `account ${command.data.accountId} already exists`, 'accountId');
  return accept({
    type: 'settlement.AccountOpened',
    data: { accountId: command.data.accountId, owner: command.data.owner },
  });
}
