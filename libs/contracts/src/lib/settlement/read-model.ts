import { redisKey } from '../redis-key';

/** A lease's status in the read model: running, fully paid, or ended early with the rest refunded. */
export const LEASE_STATUSES = ['ACTIVE', 'ENDED', 'CREDITED'] as const;
export type LeaseStatus = (typeof LEASE_STATUSES)[number];

/** What a ledger entry of the read model records (its `kind`): the event that moved the money. */
export const LEDGER_ENTRY_KINDS = [
  'deposit',
  'withdrawal',
  'hold',
  'release',
  'lease',
  'charge',
  'earnings',
  'fee',
  'sla-credit',
] as const;
export type LedgerEntryKind = (typeof LEDGER_ENTRY_KINDS)[number];

/**
 * settlement's read model in Redis, as a contract: the settlement service writes it, the gateway
 * reads it (and waits on its checkpoint for read-your-writes).
 */
export const settlementReadModel = {
  /** The projection's name: its checkpoints are what `waitForPosition` waits on. */
  name: 'settlement.read-model',
  prefix: 'settlement:',
  accountsPrefix: 'settlement:accounts:',
  /**
   * Hash: owner, balance (available), held (escrow holds of open bids), escrow (leases not yet
   * charged), earned (credited from leases and fees); minor units.
   */
  account: (accountId: string) => redisKey`settlement:accounts:${accountId}`,
  /** List of JSON ledger entries, oldest first. */
  ledger: (accountId: string) => redisKey`settlement:accounts:${accountId}:ledger`,
  /** Sorted set of the account's lease ids (as buyer or provider), scored by start time (ms). */
  accountLeases: (accountId: string) => redisKey`settlement:accounts:${accountId}:leases`,
  /**
   * Hash: the account's API keys, keyId → JSON { roles, revoked, issuedAt } for a key in use,
   * { roles, revoked, revokedAt } once revoked (its issue time is in accountKeysIssued).
   */
  accountKeys: (accountId: string) => redisKey`settlement:accounts:${accountId}:apikeys`,
  /**
   * Sorted set of the account's keyIds, revoked ones too, scored by when each was issued (ms, its
   * ApiKeyIssued event's time): the keys in the order they were created, and each one's time.
   */
  accountKeysIssued: (accountId: string) => redisKey`settlement:accounts:${accountId}:apikeys-issued`,
  /**
   * Hash per lease: buyerId, bidId, providerId, marketId, nodeId, gpus, price, value, fee, start,
   * end, chargedValue, chargedFee, refunded, status (ACTIVE | ENDED | CREDITED), endedBy and
   * endedAt (a CREDITED one's), chargedUntilMs (up to when it is charged, epoch ms; absent until a
   * charge or credit that records it), chargedUntilUnknown ("1" since a charge that recorded no
   * time, until one that did and charged something). The provider's and the platform's credits of a charge are
   * applied once chargedValue / chargedFee reach them.
   */
  lease: (leaseId: string) => redisKey`settlement:leases:${leaseId}`,
  /** Sorted set of running leases (member: leaseId), scored by end time (ms): the meter's work. */
  activeLeases: redisKey`settlement:active-leases`,
  /** Hash per API key, by the sha256 of the key (hex): accountId, keyId, roles (comma-separated). */
  apiKey: (keyHash: string) => redisKey`settlement:apikeys:${keyHash}`,
  /** Hash: deposits and withdrawals over all accounts, for the ledger's invariant. */
  totals: redisKey`settlement:totals`,
  /** Sorted set (all scores 0) of every account id, for audits. */
  accounts: redisKey`settlement:account-ids`,
};
