import { Envelope, isMessage, SettlementEvents, settlementReadModel as rm } from '@gpux/contracts';
import type { Projection, RedisOp } from '@gpux/eventsourcing/domain';

/**
 * API keys by digest, for the gateway to authenticate with; a revoked key disappears. Each
 * account's keys, listed in the order they were issued, each at its ApiKeyIssued event's time (the
 * log's, so a rebuild lists them as they were; the key's JSON loses its issuedAt when it is
 * revoked, and a projection never reads what it wrote before).
 */
export function apiKeysProjection(eventsTopic: string): Projection {
  return {
    name: 'settlement.api-keys',
    // Unversioned at first. 2: each account's keys by issue time (accountKeysIssued).
    version: '2',
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
          ...issued(k.accountId, k.keyId, event.time),
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

/** The key listed at its issue time; an event whose time does not parse (none the log takes) lists nothing. */
function issued(accountId: string, keyId: string, time: string): RedisOp[] {
  const at = Date.parse(time);
  return Number.isFinite(at)
    ? [{ op: 'zadd', key: rm.accountKeysIssued(accountId), score: at, member: keyId }]
    : [];
}
