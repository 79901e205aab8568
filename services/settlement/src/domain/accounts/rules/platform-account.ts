import { PLATFORM_ACCOUNT_ID } from '@gpux/contracts';
import { Decision, reject } from '@gpux/eventsourcing/domain';
import type { AccountEvent } from '../account';

/**
 * The platform-account rule: the account the market's fees are credited to (`platform`) is the
 * platform's, opened by its first fee. Nobody opens it, and no API key is issued for it: opened
 * by an administrator before the first fee, it was an ordinary account the fees went to, and with
 * a key it placed orders from the fees. Undefined for every other account.
 */
export function refusePlatformAccount(accountId: string): Decision<AccountEvent> | undefined {
  if (accountId !== PLATFORM_ACCOUNT_ID) return undefined;
  return reject(
    'FORBIDDEN',
    `account ${PLATFORM_ACCOUNT_ID} is the platform's, where fees are credited: it is opened by the first fee, and no API key is issued for it`,
    'accountId',
  );
}
