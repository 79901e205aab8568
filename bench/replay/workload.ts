// bench:replay's workload (replay.ts): the events it writes and the settlement-like account
// projection it folds them with, and what the folded total must come to.
import { randomUUID } from 'node:crypto';
import { Envelope, settlementMessages, SettlementEvents } from '@gpux/contracts';
import type { Message } from 'kafkajs';
import type { Projection, RedisOp } from '../../libs/eventsourcing/src/domain/projection';
import { toKafka } from '../../libs/eventsourcing/src/kafka/codec';

export const PARTITIONS = 6;
export const ACCOUNTS = 5_000;

/**
 * Which deposits wait for a cause: none; `next`, each deposit right after a withdrawal requires
 * that withdrawal (of the account before, on the partition before: the causes form a cycle over
 * the partitions); `lag`, each such deposit requires a withdrawal up to 30 events before it, on
 * one of two other partitions (one before, two after), as a provider's credit comes a few events
 * after the buyer's charge in settlement's log, the two accounts on any partitions: causes run
 * both ways between partitions.
 */
export type CausalMode = false | 'next' | 'lag';

/** The index of the withdrawal that the deposit at `i` (a causal one: i % 3 === 1) requires. */
function causeOf(i: number, mode: 'next' | 'lag'): number {
  return mode === 'next' ? i - 1 : i - 1 - 3 * ((i * 7_919) % 11);
}

/**
 * The settlement account model: balance and owner per account, a per-account ledger, totals.
 * `causal`: each account also counts its withdrawals, and a deposit whose reference is
 * `after:<account>:<n>` (see event) requires that account's n-th withdrawal, on another partition,
 * to be folded first, as a provider's credit requires the buyer's charge in settlement.
 */
export function accountsProjection(
  name: string,
  namespace: string,
  eventsTopic: string,
  causal: CausalMode = false,
): Projection {
  const p = `${namespace}:accounts:`;
  return {
    name,
    topics: [eventsTopic],
    keyPrefix: p,
    apply(event: Envelope): RedisOp[] {
      const data = event.data as {
        accountId: string;
        amount?: number;
        owner?: string;
        reference?: string | null;
      };
      const account = `${p}${data.accountId}`;
      switch (event.type) {
        case SettlementEvents.accountOpened.type:
          return [{ op: 'hset', key: account, field: 'owner', value: data.owner ?? '' }];
        case SettlementEvents.fundsDeposited.type: {
          const after = causal ? /^after:(.+):(\d+)$/.exec(data.reference ?? '') : null;
          return [
            ...(after
              ? [
                  {
                    op: 'requires',
                    key: `${p}${after[1]}`,
                    field: 'withdrawals',
                    atLeast: Number(after[2]),
                  } as const,
                ]
              : []),
            { op: 'hincrby', key: account, field: 'balance', by: data.amount ?? 0 },
            { op: 'rpush', key: `${account}:ledger`, value: `+${data.amount}:${event.id}` },
            { op: 'incrby', key: `${p}total`, by: data.amount ?? 0 },
          ];
        }
        case SettlementEvents.fundsWithdrawn.type:
          return [
            ...(causal ? [{ op: 'hincrby', key: account, field: 'withdrawals', by: 1 } as const] : []),
            { op: 'hincrby', key: account, field: 'balance', by: -(data.amount ?? 0) },
            { op: 'rpush', key: `${account}:ledger`, value: `-${data.amount}:${event.id}` },
            { op: 'incrby', key: `${p}total`, by: -(data.amount ?? 0) },
          ];
        default:
          return [];
      }
    },
  };
}

/** What the model's total must be: deposits minus withdrawals, as event(i) writes them. */
export function expectedTotal(events: number): number {
  let total = 0;
  for (let i = ACCOUNTS; i < events; i++) total += i % 3 === 0 ? -(1 + (i % 997)) : 1_000 + (i % 9_973);
  return total;
}

/** How many withdrawals account `b` has had up to index `i` (event's withdrawals: every third index). */
function withdrawalsOf(b: number, i: number): number {
  let n = 0;
  for (let j = b + ACCOUNTS; j <= i; j += ACCOUNTS) if (j % 3 === 0) n++;
  return n;
}

/**
 * The i-th event: the accounts opened first, then deposits and (every third) withdrawals.
 * `causal`: the deposit right after a withdrawal names a withdrawal as its cause in its reference
 * (CausalMode says which).
 */
export function event(i: number, causal: CausalMode = false): { partition: number; message: Message } {
  const a = i % ACCOUNTS;
  const cause = causal && i % 3 === 1 ? causeOf(i, causal) : -1;
  const id = randomUUID();
  const base = {
    id,
    source: 'settlement',
    subject: `acc-${a}`,
    time: new Date(1_767_225_600_000 + i).toISOString(),
    correlationId: id,
    causationId: id,
  };
  const envelope: Envelope =
    i < ACCOUNTS
      ? {
          ...base,
          type: SettlementEvents.accountOpened.type,
          schemaVersion: 1,
          data: { accountId: `acc-${a}`, owner: `owner-${a}` },
        }
      : i % 3 === 0
        ? {
            ...base,
            type: SettlementEvents.fundsWithdrawn.type,
            schemaVersion: 1,
            data: { accountId: `acc-${a}`, amount: 1 + (i % 997), reference: null },
          }
        : {
            ...base,
            type: SettlementEvents.fundsDeposited.type,
            schemaVersion: 2,
            data: {
              accountId: `acc-${a}`,
              amount: 1_000 + (i % 9_973),
              reference:
                cause >= ACCOUNTS
                  ? `after:acc-${cause % ACCOUNTS}:${withdrawalsOf(cause % ACCOUNTS, cause)}`
                  : `dep-${i}`,
            },
          };
  return { partition: a % PARTITIONS, message: toKafka(settlementMessages.encode(envelope)) };
}
