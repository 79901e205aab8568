import {
  ApiKeyRole,
  LeaseCharged,
  MessageOf,
  PLATFORM_ACCOUNT_ID,
  SettlementCommands,
  SettlementEvents,
} from '@gpux/contracts';
import {
  accept,
  OwnEventName,
  ownEventTypes,
  typesOf,
  Decider,
  Decision,
  reject,
} from '@gpux/eventsourcing/domain';
import { accruedCharge } from '../leases/billing';
import { alreadyCredited, CreditedCharges, withCredit } from './earnings-credits';

export type AccountCommand = MessageOf<(typeof SettlementCommands)[keyof typeof SettlementCommands]>;
type AccountEventName = OwnEventName<typeof SettlementEvents>;
export type AccountEvent = MessageOf<(typeof SettlementEvents)[AccountEventName]>;

/** A lease paid from this (the buyer's) account: its escrow, and what has been charged of it. */
export interface LeaseEscrow {
  providerId: string;
  value: number;
  fee: number;
  start: number;
  end: number;
  chargedValue: number;
  chargedFee: number;
}

export interface AccountState {
  open: boolean;
  owner: string | null;
  /** Available balance in minor units (micro-USD); never negative. */
  balance: number;
  /** Escrow holds by id: set aside from the balance for open bids. */
  held?: Record<string, number>;
  /** Leases this account pays for and that are not fully charged yet. */
  leases?: Record<string, LeaseEscrow>;
  /** API keys by id: their digest (to revoke by) and whether they are revoked. */
  apiKeys?: Record<string, { keyHash: string; roles: ApiKeyRole[]; revoked: boolean }>;
  /** The lease charges credited to this account (earnings, fees): each is credited once. */
  credited?: CreditedCharges;
}

export const ACCOUNT_COMMANDS = typesOf(SettlementCommands);
export const ACCOUNT_EVENTS = ownEventTypes(SettlementEvents);

const missing = (accountId: string): Decision<AccountEvent> =>
  reject('NOT_FOUND', `account ${accountId} does not exist`, 'accountId');

/**
 * The charge that brings a lease's totals to `due` (value and fee), or null when that charges
 * nothing. `final`: nothing of the lease remains in escrow after it.
 */
function chargeTo(
  accountId: string,
  leaseId: string,
  lease: LeaseEscrow,
  due: { value: number; fee: number },
  final: boolean,
): LeaseCharged | null {
  const amount = due.value - lease.chargedValue;
  const fee = due.fee - lease.chargedFee;
  if (amount === 0 && fee === 0 && !final) return null;
  return {
    accountId,
    leaseId,
    providerId: lease.providerId,
    amount,
    fee,
    chargedValue: due.value,
    chargedFee: due.fee,
    final,
  };
}

const noLease = (accountId: string, leaseId: string): Decision<AccountEvent> =>
  reject('NOT_FOUND', `account ${accountId} pays for no running lease ${leaseId}`, 'leaseId');

/**
 * An account: opened once, credited by deposits, debited by withdrawals it can cover; escrow
 * holds for bids, which trades turn into lease escrow, charged as the lease runs and paid to the
 * provider (less the platform's fee); and the account's API keys (digests only).
 */
export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: () => ({ open: false, owner: null, balance: 0, held: {}, leases: {}, apiKeys: {} }),

  decide(command, state, { now }) {
    switch (command.type) {
      case 'settlement.OpenAccount':
        if (state.open)
          return reject('ALREADY_EXISTS', `account ${command.data.accountId} already exists`, 'accountId');
        return accept({
          type: 'settlement.AccountOpened',
          data: { accountId: command.data.accountId, owner: command.data.owner },
        });

      case 'settlement.Deposit': {
        if (!state.open) return missing(command.data.accountId);
        if (!Number.isSafeInteger(state.balance + command.data.amount)) {
          return reject(
            'BAD_USER_INPUT',
            'the balance would exceed the largest amount an account can hold',
            'amount',
          );
        }
        const { accountId, amount, reference } = command.data;
        return accept({
          type: 'settlement.FundsDeposited',
          data: { accountId, amount, reference: reference ?? null },
        });
      }

      case 'settlement.Withdraw': {
        if (!state.open) return missing(command.data.accountId);
        const { accountId, amount, reference } = command.data;
        if (amount > state.balance) {
          return reject(
            'INSUFFICIENT_FUNDS',
            `account ${accountId} holds ${state.balance}, cannot withdraw ${amount}`,
            'amount',
          );
        }
        return accept({
          type: 'settlement.FundsWithdrawn',
          data: { accountId, amount, reference: reference ?? null },
        });
      }

      case 'settlement.HoldFunds': {
        const { accountId, holdId, amount } = command.data;
        if (!state.open) return missing(accountId);
        if (state.held?.[holdId] !== undefined)
          return reject('ALREADY_EXISTS', `hold ${holdId} already exists`, 'holdId');
        if (amount > state.balance) {
          return reject(
            'INSUFFICIENT_FUNDS',
            `account ${accountId} has ${state.balance} available, cannot hold ${amount}`,
            'amount',
          );
        }
        return accept({ type: 'settlement.FundsHeld', data: command.data });
      }

      case 'settlement.ReleaseHold': {
        const { accountId, holdId, amount } = command.data;
        const held = state.held?.[holdId];
        if (held === undefined)
          return reject('NOT_FOUND', `account ${accountId} has no hold ${holdId}`, 'holdId');
        if (amount > held)
          return reject('BAD_USER_INPUT', `hold ${holdId} holds ${held}, cannot release ${amount}`, 'amount');
        return accept({ type: 'settlement.HoldReleased', data: command.data });
      }

      case 'settlement.OpenLease': {
        const { accountId, leaseId, holdId, value, fee } = command.data;
        if (state.leases?.[leaseId])
          return reject('ALREADY_EXISTS', `lease ${leaseId} already exists`, 'leaseId');
        const held = state.held?.[holdId] ?? 0;
        // Never happens while orders holds a bid's worst case: refused rather than overdrawn.
        if (value + fee > held)
          return reject(
            'INSUFFICIENT_FUNDS',
            `hold ${holdId} of ${accountId} has ${held}, the lease needs ${value + fee}`,
            'holdId',
          );
        return accept({ type: 'settlement.LeaseOpened', data: command.data });
      }

      case 'settlement.MeterLease': {
        const { accountId, leaseId, upTo } = command.data;
        const lease = state.leases?.[leaseId];
        if (!lease) return noLease(accountId, leaseId);
        const due = accruedCharge(lease, Math.min(upTo ? Date.parse(upTo) : now.getTime(), now.getTime()));
        const charged = chargeTo(
          accountId,
          leaseId,
          lease,
          due,
          due.value === lease.value && due.fee === lease.fee,
        );
        return charged
          ? accept({ type: 'settlement.LeaseCharged', data: charged })
          : reject('BAD_USER_INPUT', `nothing of lease ${leaseId} is due yet`, 'leaseId');
      }

      case 'settlement.EndLeaseEarly': {
        const { accountId, leaseId, reason, at } = command.data;
        const lease = state.leases?.[leaseId];
        if (!lease) return noLease(accountId, leaseId);
        // Delivered until delivery stopped (not after the lease's end, not before what was already
        // charged: the meter charges in arrears, so normally that is earlier); the rest goes back.
        const stopped = Math.min(at ? Date.parse(at) : now.getTime(), now.getTime(), lease.end);
        const upTo = accruedCharge(lease, stopped);
        const due = {
          value: Math.max(upTo.value, lease.chargedValue),
          fee: Math.max(upTo.fee, lease.chargedFee),
        };
        const refund = lease.value + lease.fee - due.value - due.fee;
        const charged =
          due.value > lease.chargedValue || due.fee > lease.chargedFee
            ? chargeTo(accountId, leaseId, lease, due, refund === 0)
            : null;
        const events: AccountEvent[] = charged ? [{ type: 'settlement.LeaseCharged', data: charged }] : [];
        if (refund > 0 || events.length === 0) {
          events.push({
            type: 'settlement.SlaCredited',
            data: { accountId, leaseId, providerId: lease.providerId, amount: refund, reason },
          });
        }
        return accept(...events);
      }

      case 'settlement.CreditEarnings':
        // A charge credited already (its process manager replayed it): nothing to do, and nothing
        // wrong either, so accepted with no events rather than rejected.
        if (alreadyCredited(state.credited, command.data)) return accept();
        // Earnings are money already taken from a buyer: they are never refused.
        return accept({ type: 'settlement.EarningsCredited', data: command.data });

      case 'settlement.IssueApiKey': {
        const { accountId, keyId } = command.data;
        if (!state.open) return missing(accountId);
        if (state.apiKeys?.[keyId]) return reject('ALREADY_EXISTS', `key ${keyId} already exists`, 'keyId');
        return accept({ type: 'settlement.ApiKeyIssued', data: command.data });
      }

      case 'settlement.RevokeApiKey': {
        const { accountId, keyId } = command.data;
        const key = state.apiKeys?.[keyId];
        if (!key || key.revoked)
          return reject('NOT_FOUND', `account ${accountId} has no valid key ${keyId}`, 'keyId');
        return accept({
          type: 'settlement.ApiKeyRevoked',
          data: { accountId, keyId, keyHash: key.keyHash, roles: key.roles },
        });
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'settlement.AccountOpened':
        return { ...state, open: true, owner: event.data.owner };
      case 'settlement.FundsDeposited':
        return { ...state, balance: state.balance + event.data.amount };
      case 'settlement.FundsWithdrawn':
        return { ...state, balance: state.balance - event.data.amount };
      case 'settlement.FundsHeld':
        return {
          ...state,
          balance: state.balance - event.data.amount,
          held: { ...state.held, [event.data.holdId]: event.data.amount },
        };
      case 'settlement.HoldReleased': {
        const held = takeFromHold(state.held, event.data.holdId, event.data.amount);
        return { ...state, balance: state.balance + event.data.amount, held };
      }
      case 'settlement.LeaseOpened': {
        const { leaseId, holdId, providerId, value, fee, start, end } = event.data;
        const lease: LeaseEscrow = {
          providerId,
          value,
          fee,
          start: Date.parse(start),
          end: Date.parse(end),
          chargedValue: 0,
          chargedFee: 0,
        };
        return {
          ...state,
          held: takeFromHold(state.held, holdId, value + fee),
          leases: { ...state.leases, [leaseId]: lease },
        };
      }
      case 'settlement.LeaseCharged': {
        const { leaseId, chargedValue, chargedFee, final } = event.data;
        const { [leaseId]: lease, ...others } = state.leases ?? {};
        if (!lease || final) return { ...state, leases: others };
        return { ...state, leases: { ...others, [leaseId]: { ...lease, chargedValue, chargedFee } } };
      }
      case 'settlement.SlaCredited': {
        const { [event.data.leaseId]: _ended, ...others } = state.leases ?? {};
        return { ...state, balance: state.balance + event.data.amount, leases: others };
      }
      case 'settlement.EarningsCredited': {
        // The platform's account opens with its first fee.
        const opened = state.open
          ? {}
          : {
              open: true,
              owner:
                event.data.accountId === PLATFORM_ACCOUNT_ID ? 'GPU Exchange platform' : event.data.accountId,
            };
        return {
          ...state,
          ...opened,
          balance: state.balance + event.data.amount,
          credited: withCredit(state.credited, event.data),
        };
      }
      case 'settlement.ApiKeyIssued':
        return {
          ...state,
          apiKeys: {
            ...state.apiKeys,
            [event.data.keyId]: { keyHash: event.data.keyHash, roles: event.data.roles, revoked: false },
          },
        };
      case 'settlement.ApiKeyRevoked':
        return {
          ...state,
          apiKeys: {
            ...state.apiKeys,
            [event.data.keyId]: { keyHash: event.data.keyHash, roles: event.data.roles, revoked: true },
          },
        };
    }
  },
};

function takeFromHold(
  held: Record<string, number> | undefined,
  holdId: string,
  amount: number,
): Record<string, number> {
  const { [holdId]: current = 0, ...others } = held ?? {};
  const left = current - amount;
  return left > 0 ? { ...others, [holdId]: left } : others;
}
