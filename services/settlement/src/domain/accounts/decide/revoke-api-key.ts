import { accept, Decision, own, reject } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';

/** A valid key is revoked, named by its digest and roles so that readers drop it. */
export function revokeApiKey(
  command: AccountCommandOf<'settlement.RevokeApiKey'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { accountId, keyId } = command.data;
  const key = own(state.apiKeys, keyId);
  if (!key || key.revoked)
    return reject('NOT_FOUND', `account ${accountId} has no valid key ${keyId}`, 'keyId');
  return accept({
    type: 'settlement.ApiKeyRevoked',
    data: { accountId, keyId, keyHash: key.keyHash, roles: key.roles },
  });
}
