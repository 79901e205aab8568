import { Envelope, settlementReadModel } from '@gpux/contracts';
import type { LogPosition, Projection, RedisOp } from '@gpux/eventsourcing/domain';

/** Read-model keys (a contract: the gateway reads them too). */
export const accountKeys = {
  prefix: settlementReadModel.accountsPrefix,
  account: settlementReadModel.account,
  ledger: settlementReadModel.ledger,
};

export interface LedgerEntry {
  eventId: string;
  kind: 'deposit' | 'withdrawal' | 'hold' | 'release';
  /** Signed minor units: credits positive, debits negative. */
  amount: number;
  reference: string | null;
  time: string;
}

/** Balances and ledgers of accounts, folded from settlement's account events. */
export function accountsProjection(eventsTopic: string): Projection {
  return {
    name: 'settlement.accounts',
    topics: [eventsTopic],
    keyPrefix: accountKeys.prefix,
    apply(event: Envelope, _position?: LogPosition): RedisOp[] {
      switch (event.type) {
        case 'settlement.AccountOpened': {
          const { accountId, owner } = event.data as { accountId: string; owner: string };
          return [
            { op: 'hset', key: accountKeys.account(accountId), field: 'owner', value: owner },
            { op: 'hincrby', key: accountKeys.account(accountId), field: 'balance', by: 0 },
          ];
        }
        case 'settlement.FundsDeposited':
        case 'settlement.FundsWithdrawn': {
          const { accountId, amount, reference } = event.data as { accountId: string; amount: number; reference: string | null };
          const signed = event.type === 'settlement.FundsDeposited' ? amount : -amount;
          const entry: LedgerEntry = { eventId: event.id, kind: signed > 0 ? 'deposit' : 'withdrawal', amount: signed, reference, time: event.time };
          return [
            { op: 'hincrby', key: accountKeys.account(accountId), field: 'balance', by: signed },
            { op: 'rpush', key: accountKeys.ledger(accountId), value: JSON.stringify(entry) },
          ];
        }
        case 'settlement.FundsHeld':
        case 'settlement.HoldReleased': {
          const { accountId, holdId, amount } = event.data as { accountId: string; holdId: string; amount: number };
          const held = event.type === 'settlement.FundsHeld' ? amount : -amount;
          const entry: LedgerEntry = { eventId: event.id, kind: held > 0 ? 'hold' : 'release', amount: -held, reference: holdId, time: event.time };
          return [
            { op: 'hincrby', key: accountKeys.account(accountId), field: 'balance', by: -held },
            { op: 'hincrby', key: accountKeys.account(accountId), field: 'held', by: held },
            { op: 'rpush', key: accountKeys.ledger(accountId), value: JSON.stringify(entry) },
          ];
        }
        default:
          return [];
      }
    },
  };
}
