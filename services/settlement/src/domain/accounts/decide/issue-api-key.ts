import { accept, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';
import { missing } from './rejections';
import { refusePlatformAccount } from '../rules/platform-account';

/** An open account issues a key once per id (its digest only); the platform's none. */
export function issueApiKey(
  command: AccountCommandOf<'settlement.IssueApiKey'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { accountId, keyId } = command.data;
  const platform = refusePlatformAccount(accountId);
  if (platform) return platform;
  if (!state.open) return missing(accountId);
  if (own(state.apiKeys, keyId)) return reject('ALREADY_EXISTS', `key ${keyId} already exists`, 'keyId');
  return accept({ type: 'settlement.ApiKeyIssued', data: command.data });
}
