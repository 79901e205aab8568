import type { Envelope, LedgerEntryKind } from '@gpux/contracts';

/**
 * The double-entry ledger. Every settlement event that moves money is a set of postings that sum
 * to zero. An account has three books: `available` (spendable), `held` (escrow for open bids) and
 * `escrow` (leases not yet charged). Two books belong to no account: `external` (the world that
 * deposits and withdraws) and `clearing` (charged from a buyer, not yet credited to the provider
 * or the platform: the two sides live on different partitions). So, at every event:
 *   Σ accounts (available + held + escrow) + clearing = deposits − withdrawals.
 */
export type Book = 'available' | 'held' | 'escrow';
export type Posting =
  | { account: string; book: Book; amount: number }
  | { account: null; book: 'external' | 'clearing'; amount: number };

/** The kinds are a contract (libs/contracts): the gateway serves them as an enum. */
export type EntryKind = LedgerEntryKind;

export interface Movement {
  kind: EntryKind;
  postings: Posting[];
  /** What the entry is about, for people: a wire reference, an order, a lease. */
  reference: string | null;
}

type Data = Record<string, unknown>;
const n = (d: Data, k: string) => d[k] as number;
const s = (d: Data, k: string) => d[k] as string;

/** The postings of one event; null for events that move no money. */
export function movementOf(event: Envelope): Movement | null {
  const d = event.data as Data;
  const acc = s(d, 'accountId');
  switch (event.type) {
    case 'settlement.FundsDeposited':
      return {
        kind: 'deposit',
        reference: (d['reference'] as string | null) ?? null,
        postings: [
          { account: null, book: 'external', amount: -n(d, 'amount') },
          { account: acc, book: 'available', amount: n(d, 'amount') },
        ],
      };
    case 'settlement.FundsWithdrawn':
      return {
        kind: 'withdrawal',
        reference: (d['reference'] as string | null) ?? null,
        postings: [
          { account: acc, book: 'available', amount: -n(d, 'amount') },
          { account: null, book: 'external', amount: n(d, 'amount') },
        ],
      };
    // Buying power is a hold too: the market's, topped up by each allotment.
    case 'settlement.FundsHeld':
    case 'settlement.BuyingPowerAllotted':
      return {
        kind: 'hold',
        reference: s(d, 'holdId'),
        postings: [
          { account: acc, book: 'available', amount: -n(d, 'amount') },
          { account: acc, book: 'held', amount: n(d, 'amount') },
        ],
      };
    case 'settlement.HoldReleased':
      return {
        kind: 'release',
        reference: s(d, 'holdId'),
        postings: [
          { account: acc, book: 'held', amount: -n(d, 'amount') },
          { account: acc, book: 'available', amount: n(d, 'amount') },
        ],
      };
    case 'settlement.LeaseOpened': {
      const total = n(d, 'value') + n(d, 'fee');
      return {
        kind: 'lease',
        reference: s(d, 'leaseId'),
        postings: [
          { account: acc, book: 'held', amount: -total },
          { account: acc, book: 'escrow', amount: total },
        ],
      };
    }
    case 'settlement.LeaseCharged': {
      const total = n(d, 'amount') + n(d, 'fee');
      return {
        kind: 'charge',
        reference: s(d, 'leaseId'),
        postings: [
          { account: acc, book: 'escrow', amount: -total },
          { account: null, book: 'clearing', amount: total },
        ],
      };
    }
    case 'settlement.EarningsCredited':
      return {
        kind: d['kind'] === 'fee' ? 'fee' : 'earnings',
        reference: s(d, 'leaseId'),
        postings: [
          { account: null, book: 'clearing', amount: -n(d, 'amount') },
          { account: acc, book: 'available', amount: n(d, 'amount') },
        ],
      };
    case 'settlement.SlaCredited':
      return {
        kind: 'sla-credit',
        reference: s(d, 'leaseId'),
        postings: [
          { account: acc, book: 'escrow', amount: -n(d, 'amount') },
          { account: acc, book: 'available', amount: n(d, 'amount') },
        ],
      };
    default:
      return null;
  }
}

/** A movement balances when its postings sum to zero. */
export const balances = (m: Movement): boolean => m.postings.reduce((sum, p) => sum + p.amount, 0) === 0;
