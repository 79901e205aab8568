import { ApiKeyRole, MessageOf, SettlementCommands, SettlementEvents } from '@gpux/contracts';
import { OwnEventName, ownEventTypes, typesOf } from '@gpux/eventsourcing/domain';
import type { CreditedCharges, FinishedCredits } from './earnings-credits';

export type AccountCommand = MessageOf<(typeof SettlementCommands)[keyof typeof SettlementCommands]>;
type AccountEventName = OwnEventName<typeof SettlementEvents>;
export type AccountEvent = MessageOf<(typeof SettlementEvents)[AccountEventName]>;
/** One command of the account, by its type: what each command's function takes. */
export type AccountCommandOf<T extends AccountCommand['type']> = Extract<AccountCommand, { type: T }>;

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
  /**
   * Available balance in minor units (micro-USD), never negative: `balanceCarry × 2^53 + balance`,
   * `balance` below 2^53 (rules/balance.ts: earnings can take an account past what a number holds
   * exactly). Change it only through `creditBalance` and `debitBalance`.
   */
  balance: number;
  /** How many times 2^53 minor units the available balance holds beyond `balance`; absent for none. */
  balanceCarry?: number;
  /** Escrow holds by id: set aside from the balance for open bids. */
  held?: Record<string, number>;
  /** Leases this account pays for and that are not fully charged yet. */
  leases?: Record<string, LeaseEscrow>;
  /** API keys by id: their digest (to revoke by) and whether they are revoked. */
  apiKeys?: Record<string, { keyHash: string; roles: ApiKeyRole[]; revoked: boolean }>;
  /** The lease charges credited to this account (earnings, fees): each is credited once. */
  credited?: CreditedCharges;
  /** The finished leases `credited` still keeps, oldest first (at most FINISHED_KEPT). */
  finishedCredits?: FinishedCredits;
}

export const ACCOUNT_COMMANDS = typesOf(SettlementCommands);
export const ACCOUNT_EVENTS = ownEventTypes(SettlementEvents);

/** An account no event has touched. */
export function initialAccountState(): AccountState {
  return { open: false, owner: null, balance: 0, held: {}, leases: {}, apiKeys: {} };
}
