import {
  Envelope,
  isMessage,
  PLATFORM_ACCOUNT_ID,
  SettlementEvents,
  settlementReadModel as rm,
} from '@gpux/contracts';
import type { LogPosition, Projection, RedisOp } from '@gpux/eventsourcing/domain';
import { Book, EntryKind, movementOf } from '../ledger/postings';

/** Read-model keys (a contract: the gateway reads them too). */
export const accountKeys = {
  prefix: rm.accountsPrefix,
  account: rm.account,
  ledger: rm.ledger,
};

/** One account's line of the ledger: how one event changed each of its books. */
export interface LedgerEntry {
  eventId: string;
  kind: EntryKind;
  /** Signed minor units of the available balance: credits positive, debits negative. */
  amount: number;
  /** Signed changes of the account's other books, when there are any. */
  held?: number;
  escrow?: number;
  reference: string | null;
  time: string;
}

/** The hash field of each book (available is the account's `balance`). */
const FIELD: Record<Book, string> = { available: 'balance', held: 'held', escrow: 'escrow' };

/**
 * A credit is applied only after the charge it pays out (docs/ledger.md, "The invariant"): the
 * charge is on the buyer's partition and sets the lease's running totals (leases.projection.ts,
 * the same read model), the credit names the total it pays through. So clearing never reads
 * below zero and the books balance at every moment. A credit written before credits named their
 * charge has no cause to wait for.
 */
function causeOfCredit(credit: { leaseId: string; kind: 'lease' | 'fee'; through?: number }): RedisOp[] {
  if (credit.through === undefined) return [];
  const field = credit.kind === 'fee' ? 'chargedFee' : 'chargedValue';
  return [{ op: 'requires', key: rm.lease(credit.leaseId), field, atLeast: credit.through }];
}

/** Balances and ledgers of accounts, from the double-entry postings of settlement's events. */
export function accountsProjection(eventsTopic: string): Projection {
  return {
    name: 'settlement.accounts',
    topics: [eventsTopic],
    keyPrefix: rm.prefix,
    apply(event: Envelope, _position?: LogPosition): RedisOp[] {
      if (isMessage(event, SettlementEvents.accountOpened)) {
        const { accountId, owner } = event.data;
        return [
          { op: 'hset', key: rm.account(accountId), field: 'owner', value: owner },
          { op: 'hincrby', key: rm.account(accountId), field: 'balance', by: 0 },
          { op: 'zadd', key: rm.accounts, score: 0, member: accountId },
        ];
      }
      const movement = movementOf(event);
      if (!movement) return [];
      const ops: RedisOp[] = [];
      if (isMessage(event, SettlementEvents.earningsCredited)) ops.push(...causeOfCredit(event.data));
      const byAccount = new Map<string, LedgerEntry>();
      for (const p of movement.postings) {
        if (p.account === null) {
          const field = p.book === 'clearing' ? 'clearing' : p.amount < 0 ? 'deposits' : 'withdrawals';
          ops.push({
            op: 'hincrby',
            key: rm.totals,
            field,
            by: p.book === 'clearing' ? p.amount : Math.abs(p.amount),
          });
          continue;
        }
        ops.push({ op: 'hincrby', key: rm.account(p.account), field: FIELD[p.book], by: p.amount });
        let entry = byAccount.get(p.account);
        if (!entry)
          byAccount.set(
            p.account,
            (entry = {
              eventId: event.id,
              kind: movement.kind,
              amount: 0,
              reference: movement.reference,
              time: event.time,
            }),
          );
        if (p.book === 'available') entry.amount += p.amount;
        else entry[p.book] = (entry[p.book] ?? 0) + p.amount;
      }
      if (isMessage(event, SettlementEvents.earningsCredited)) {
        const { accountId, amount } = event.data;
        ops.push(
          { op: 'hincrby', key: rm.account(accountId), field: 'earned', by: amount },
          { op: 'zadd', key: rm.accounts, score: 0, member: accountId },
        );
        if (accountId === PLATFORM_ACCOUNT_ID)
          ops.push({
            op: 'hset',
            key: rm.account(accountId),
            field: 'owner',
            value: 'GPU Exchange platform',
          });
      }
      for (const [account, entry] of byAccount)
        ops.push({ op: 'rpush', key: rm.ledger(account), value: JSON.stringify(entry) });
      return ops;
    },
  };
}
