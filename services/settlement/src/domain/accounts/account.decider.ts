import { MessageOf, SettlementCommands, SettlementEvents } from '@gpux/contracts';
import { accept, Decider, reject } from '@gpux/eventsourcing/domain';

export type AccountCommand = MessageOf<(typeof SettlementCommands)[keyof typeof SettlementCommands]>;
export type AccountEvent = MessageOf<(typeof SettlementEvents)['accountOpened' | 'fundsDeposited' | 'fundsWithdrawn' | 'fundsHeld' | 'holdReleased']>;

export interface AccountState {
  open: boolean;
  owner: string | null;
  /** Available balance in minor units (micro-USD); never negative. */
  balance: number;
  /** Escrow holds by id: set aside from the balance until released (or, later, spent). */
  held?: Record<string, number>;
}

export const ACCOUNT_COMMANDS = Object.values(SettlementCommands).map((m) => m.type);
export const ACCOUNT_EVENTS = [
  SettlementEvents.accountOpened.type,
  SettlementEvents.fundsDeposited.type,
  SettlementEvents.fundsWithdrawn.type,
  SettlementEvents.fundsHeld.type,
  SettlementEvents.holdReleased.type,
];

/** An account: opened once, credited by deposits, debited by withdrawals that it can cover. */
export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: { open: false, owner: null, balance: 0, held: {} },

  decide(command, state) {
    switch (command.type) {
      case 'settlement.OpenAccount':
        if (state.open) return reject('ALREADY_EXISTS', `account ${command.data.accountId} already exists`, 'accountId');
        return accept({ type: 'settlement.AccountOpened', data: { accountId: command.data.accountId, owner: command.data.owner } });

      case 'settlement.Deposit': {
        if (!state.open) return reject('NOT_FOUND', `account ${command.data.accountId} does not exist`, 'accountId');
        if (!Number.isSafeInteger(state.balance + command.data.amount)) {
          return reject('BAD_USER_INPUT', 'the balance would exceed the largest amount an account can hold', 'amount');
        }
        const { accountId, amount, reference } = command.data;
        return accept({ type: 'settlement.FundsDeposited', data: { accountId, amount, reference: reference ?? null } });
      }

      case 'settlement.Withdraw': {
        if (!state.open) return reject('NOT_FOUND', `account ${command.data.accountId} does not exist`, 'accountId');
        const { accountId, amount, reference } = command.data;
        if (amount > state.balance) {
          return reject('INSUFFICIENT_FUNDS', `account ${accountId} holds ${state.balance}, cannot withdraw ${amount}`, 'amount');
        }
        return accept({ type: 'settlement.FundsWithdrawn', data: { accountId, amount, reference: reference ?? null } });
      }

      case 'settlement.HoldFunds': {
        const { accountId, holdId, amount } = command.data;
        if (!state.open) return reject('NOT_FOUND', `account ${accountId} does not exist`, 'accountId');
        if (state.held?.[holdId] !== undefined) return reject('ALREADY_EXISTS', `hold ${holdId} already exists`, 'holdId');
        if (amount > state.balance) {
          return reject('INSUFFICIENT_FUNDS', `account ${accountId} has ${state.balance} available, cannot hold ${amount}`, 'amount');
        }
        return accept({ type: 'settlement.FundsHeld', data: command.data });
      }

      case 'settlement.ReleaseHold': {
        const { accountId, holdId, amount } = command.data;
        const held = state.held?.[holdId];
        if (held === undefined) return reject('NOT_FOUND', `account ${accountId} has no hold ${holdId}`, 'holdId');
        if (amount > held) return reject('BAD_USER_INPUT', `hold ${holdId} holds ${held}, cannot release ${amount}`, 'amount');
        return accept({ type: 'settlement.HoldReleased', data: command.data });
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
        return { ...state, balance: state.balance - event.data.amount, held: { ...state.held, [event.data.holdId]: event.data.amount } };
      case 'settlement.HoldReleased': {
        const { [event.data.holdId]: held = 0, ...others } = state.held ?? {};
        const left = held - event.data.amount;
        return { ...state, balance: state.balance + event.data.amount, held: left > 0 ? { ...others, [event.data.holdId]: left } : others };
      }
    }
  },
};
