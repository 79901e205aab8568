import { Envelope, isMessage, SettlementEvents, settlementReadModel as rm } from '@gpux/contracts';
import type { Projection, RedisOp } from '@gpux/eventsourcing/domain';

/** API keys by digest, for the gateway to authenticate with; a revoked key disappears. */
export function apiKeysProjection(eventsTopic: string): Projection {
  return {
    name: 'settlement.api-keys',
    topics: [eventsTopic],
    keyPrefix: rm.prefix,
    apply(event: Envelope): RedisOp[] {
      if (isMessage(event, SettlementEvents.apiKeyIssued)) {
        const k = event.data;
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
      if (isMessage(event, SettlementEvents.apiKeyRevoked)) {
        const k = event.data;
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
