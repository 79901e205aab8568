import { LEASE_STATUSES, LedgerEntryKind, settlementReadModel as K } from '@gpux/contracts';
import type Redis from 'ioredis';
import { list, Paged, RankedSet, sortedSet } from './paged';

type Hash = Record<string, string>;
const num = (h: Hash, f: string) => Number(h[f] ?? 0);
/**
 * A balance as Redis keeps it (a 64-bit integer, exact): a number where one holds it exactly, a
 * bigint past the largest safe integer (earnings take a provider's balance there).
 */
const money = (h: Hash, f: string): number | bigint => {
  const n = Number(h[f] ?? 0);
  return Number.isSafeInteger(n) ? n : BigInt(h[f]!);
};

/** An account's balances, minor units: a bigint past the largest safe integer. */
export interface AccountView {
  accountId: string;
  owner: string;
  balance: number | bigint;
  held: number | bigint;
  escrow: number | bigint;
  earned: number | bigint;
}

/** One line of an account's ledger: how one event moved its money (minor units). */
export interface LedgerEntryView {
  eventId: string;
  kind: LedgerEntryKind;
  amount: number;
  held: number;
  escrow: number;
  reference: string | null;
  time: string;
}

/** Who an API key (by its digest) belongs to, and what it may do. */
export interface ApiKeyHolder {
  accountId: string;
  keyId?: string;
  roles: string[];
}

/** An API key of an account, without the key. */
export interface ApiKeyView {
  keyId: string;
  roles: ('buyer' | 'provider')[];
  revoked: boolean;
  /**
   * When it was issued (its ApiKeyIssued event's time, ISO 8601); null only for a revoked key of a
   * model folded before keys were listed by issue time, until the model's rebuild (its version).
   */
  createdAt: string | null;
}

/**
 * An account's keys as its hash (settlementReadModel.accountKeys) and its keys by issue time
 * (accountKeysIssued, ZRANGE WITHSCORES: keyId, ms, …) hold them: oldest first, keys issued in the
 * same millisecond by keyId. A key the hash holds and the set does not (folded before keys were
 * listed: only until the model's rebuild) takes its JSON's issuedAt, where it still has one.
 */
export function apiKeyViews(keys: Hash, issued: readonly string[]): ApiKeyView[] {
  const view = (keyId: string, raw: string, createdAt: string | null): ApiKeyView => {
    const k = JSON.parse(raw) as { roles?: ApiKeyView['roles']; revoked: boolean; issuedAt?: string };
    return { keyId, roles: k.roles ?? [], revoked: k.revoked, createdAt: createdAt ?? k.issuedAt ?? null };
  };
  const views: ApiKeyView[] = [];
  const listed = new Set<string>();
  for (let i = 0; i + 1 < issued.length; i += 2) {
    const [keyId, ms] = [issued[i], issued[i + 1]];
    const raw = keyId === undefined ? undefined : keys[keyId];
    if (keyId === undefined || raw === undefined) continue;
    listed.add(keyId);
    views.push(view(keyId, raw, new Date(Number(ms)).toISOString()));
  }
  const unlisted = Object.entries(keys)
    .filter(([keyId]) => !listed.has(keyId))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([keyId, raw]) => view(keyId, raw, null));
  if (unlisted.length === 0) return views;
  // Merged by time (a sort is stable: the set's order stands among equal times); no time, last.
  const at = (v: ApiKeyView) => (v.createdAt === null ? Number.MAX_VALUE : Date.parse(v.createdAt));
  return [...views, ...unlisted].sort((a, b) => at(a) - at(b));
}

/** A lease and what it has charged; money in minor units. */
export interface LeaseView {
  leaseId: string;
  marketId: string;
  nodeId: string;
  buyerId: string;
  /**
   * The bid the buyer bought it with (its order id: LeaseOpened's holdId, kept as the hash's
   * `bidId`); null only in a model folded before the projection kept it (its version 2 refolds it).
   */
  bidId: string | null;
  providerId: string;
  gpus: number;
  /**
   * How long each GPU is leased, in hours: its trade's, a whole number, from start to end. The
   * trade's value is gpus × hours × price exactly, so value / (gpus × price) (not end − start: an
   * exchange may run hours of another length, as tests do).
   */
  hours: number;
  price: number;
  value: number;
  fee: number;
  start: string;
  end: string;
  /** Value and fee charged so far. */
  charged: number;
  /** The value part of charged: what the provider earns of it (the rest is the fee). */
  earned: number;
  refunded: number;
  status: (typeof LEASE_STATUSES)[number];
  /** charged / (value + fee), 1 for a lease of nothing. */
  progress: number;
  /**
   * Why a CREDITED lease was ended early (its node's breach: `SlaCredited.reason`, kept as the
   * hash's `endedBy`); null while it runs or once it ended in full.
   */
  endedReason: string | null;
  /**
   * Up to when it is charged (ISO; chargedUntilOf): a running lease's last charge's time, a
   * finished one's end, a credited one's time delivery stopped. Null before its first charge or
   * early end, and since a charge written before charges recorded the time (until one that records
   * it charges something): never worked out from the amounts, which are rounded down.
   */
  chargedUntil: string | null;
}

/** A lease's hours from its value (gpus × hours × price exactly); 0 for a lease of nothing. */
const hoursOf = (value: number, gpus: number, price: number): number =>
  gpus > 0 && price > 0 ? Math.round(value / (gpus * price)) : 0;

/** The account of an account hash (settlementReadModel.account); null when there is none. */
export function accountView(accountId: string, h: Hash): AccountView | null {
  if (!h['owner']) return null;
  return {
    accountId,
    owner: h['owner'],
    balance: money(h, 'balance'),
    held: money(h, 'held'),
    escrow: money(h, 'escrow'),
    earned: money(h, 'earned'),
  };
}

/** A ledger entry as the list holds it (JSON; held and escrow absent where they did not move). */
export function ledgerEntryView(raw: string): LedgerEntryView {
  const e = JSON.parse(raw) as Omit<LedgerEntryView, 'held' | 'escrow'> & { held?: number; escrow?: number };
  return {
    eventId: e.eventId,
    kind: e.kind,
    amount: e.amount,
    held: e.held ?? 0,
    escrow: e.escrow ?? 0,
    reference: e.reference ?? null,
    time: e.time,
  };
}

/** An epoch-ms field as ISO; null when absent or not a time. */
function isoOfMs(ms: string | undefined): string | null {
  const time = new Date(ms ? Number(ms) : NaN);
  return Number.isNaN(time.getTime()) ? null : time.toISOString();
}

/**
 * Up to when a lease hash's lease is charged: an ENDED lease's end (a final charge charges it in
 * full, whenever it was written); else the time its events recorded, unless a charge that did not
 * record it came since (`chargedUntilUnknown`: its totals are at a time none says); null then, and
 * before any charge or credit recorded one.
 */
function chargedUntilOf(l: Hash): string | null {
  if (l['status'] === 'ENDED') return l['end'] ?? null;
  return l['chargedUntilUnknown'] ? null : isoOfMs(l['chargedUntilMs']);
}

/** The lease of a lease hash (settlementReadModel.lease); null when there is none. */
export function leaseView(leaseId: string, l: Hash): LeaseView | null {
  if (!l['buyerId']) return null;
  const total = num(l, 'value') + num(l, 'fee');
  const charged = num(l, 'chargedValue') + num(l, 'chargedFee');
  return {
    leaseId,
    marketId: l['marketId']!,
    nodeId: l['nodeId']!,
    buyerId: l['buyerId'],
    bidId: l['bidId'] || null,
    providerId: l['providerId']!,
    gpus: num(l, 'gpus'),
    hours: hoursOf(num(l, 'value'), num(l, 'gpus'), num(l, 'price')),
    price: num(l, 'price'),
    value: num(l, 'value'),
    fee: num(l, 'fee'),
    start: l['start']!,
    end: l['end']!,
    charged,
    earned: num(l, 'chargedValue'),
    refunded: num(l, 'refunded'),
    status: l['status'] as LeaseView['status'],
    progress: total > 0 ? charged / total : 1,
    endedReason: l['endedBy'] || null,
    chargedUntil: chargedUntilOf(l),
  };
}

/** Reads settlement's read model (settlementReadModel in the contracts). */
export class SettlementQueries {
  constructor(private readonly redis: Redis) {}

  async account(accountId: string): Promise<AccountView | null> {
    return accountView(accountId, await this.redis.hgetall(K.account(accountId)));
  }

  /** The account's ledger, oldest first. */
  ledger(accountId: string): Paged<LedgerEntryView> {
    return list(this.redis, K.ledger(accountId), ledgerEntryView);
  }

  /** The account's keys, oldest first (apiKeyViews), read at one moment. */
  async apiKeys(accountId: string): Promise<ApiKeyView[]> {
    const replies = await this.redis
      .multi()
      .hgetall(K.accountKeys(accountId))
      .zrange(K.accountKeysIssued(accountId), 0, -1, 'WITHSCORES')
      .exec();
    const [[keysError, keys], [issuedError, issued]] = replies as [
      [Error | null, Hash],
      [Error | null, string[]],
    ];
    if (keysError ?? issuedError) throw keysError ?? issuedError;
    return apiKeyViews(keys, issued);
  }

  /** Whether the account has (or had: revoked keys stay listed) the key. */
  async hasApiKey(accountId: string, keyId: string): Promise<boolean> {
    return (await this.redis.hexists(K.accountKeys(accountId), keyId)) === 1;
  }

  /** The holder of the API key whose sha256 (hex) this is; null for an unknown or revoked key. */
  async apiKeyHolder(keyHash: string): Promise<ApiKeyHolder | null> {
    const h = await this.redis.hgetall(K.apiKey(keyHash));
    if (!h['accountId']) return null;
    return {
      accountId: h['accountId'],
      ...(h['keyId'] ? { keyId: h['keyId'] } : {}),
      roles: (h['roles'] ?? '').split(',').filter(Boolean),
    };
  }

  async lease(leaseId: string): Promise<LeaseView | null> {
    return leaseView(leaseId, await this.redis.hgetall(K.lease(leaseId)));
  }

  /** The account's lease ids (as buyer or provider), by start time. */
  accountLeases(accountId: string): RankedSet {
    return sortedSet(this.redis, K.accountLeases(accountId));
  }
}
