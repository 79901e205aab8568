import { Decision, reject } from '@gpux/eventsourcing/domain';
import type { AccountEvent } from '../account';

export const missing = (accountId: string): Decision<AccountEvent> =>
  reject('NOT_FOUND', `account ${accountId} does not exist`, 'accountId');

export const noLease = (accountId: string, leaseId: string): Decision<AccountEvent> =>
  reject('NOT_FOUND', `account ${accountId} pays for no running lease ${leaseId}`, 'leaseId');
