import { Envelope, IssueApiKey, settlementReadModel as rm } from '@gpux/contracts';
import type { Projection, RedisOp } from '@gpux/eventsourcing/domain';

/** API keys by digest, for the gateway to authenticate with; a revoked key disappears. */
export function apiKeysProjection(eventsTopic: string): Projection {
  return {
    name: 'settlement.api-keys',
    topics: [eventsTopic],
    keyPrefix: rm.prefix,
    apply(event: Envelope): RedisOp[] {
      if (event.type === 'settlement.ApiKeyIssued') {
        const k = event.data as IssueApiKey;
        const key = rm.apiKey(k.keyHash);
        return [
          { op: 'hset', key, field: 'accountId', value: k.accountId },
          { op: 'hset', key, field: 'keyId', value: k.keyId },
          { op: 'hset', key, field: 'roles', value: k.roles.join(',') },
          {
            op: 'hset',
            key: rm.accountKeys(k.accountId),
            field: k.keyId,
            value: JSON.stringify({ roles: k.roles, revoked: false, issuedAt: event.time }),
          },
        ];
      }
      if (event.type === 'settlement.ApiKeyRevoked') {
        const k = event.data as { accountId: string; keyId: string; keyHash: string; roles: string[] };
        return [
          { op: 'del', key: rm.apiKey(k.keyHash) },
          {
            op: 'hset',
            key: rm.accountKeys(k.accountId),
            field: k.keyId,
            value: JSON.stringify({ roles: k.roles, revoked: true, revokedAt: event.time }),
          },
        ];
      }
      return [];
    },
  };
}
