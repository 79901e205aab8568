import { accept, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';
import { missing } from './rejections';

/** An open account issues a key once per id (its digest only). */
export function issueApiKey(
  command: AccountCommandOf<'settlement.IssueApiKey'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { accountId, keyId } = command.data;
  if (!state.open) return missing(accountId);
  if (own(state.apiKeys, keyId)) return reject('ALREADY_EXISTS', `key ${keyId} already exists`, 'keyId');
  return accept({ type: 'settlement.ApiKeyIssued', data: command.data });
}
