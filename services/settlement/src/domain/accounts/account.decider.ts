import { MessageOf, SettlementCommands, SettlementEvents } from '@gpux/contracts';
import { accept, Decider, reject } from '@gpux/eventsourcing/domain';

export type AccountCommand = MessageOf<(typeof SettlementCommands)[keyof typeof SettlementCommands]>;
export type AccountEvent = MessageOf<(typeof SettlementEvents)['accountOpened' | 'fundsDeposited' | 'fundsWithdrawn']>;

export interface AccountState {
  open: boolean;
  owner: string | null;
  /** Available balance in minor units (micro-USD); never negative. */
  balance: number;
}

export const ACCOUNT_COMMANDS = Object.values(SettlementCommands).map((m) => m.type);
export const ACCOUNT_EVENTS = [SettlementEvents.accountOpened.type, SettlementEvents.fundsDeposited.type, SettlementEvents.fundsWithdrawn.type];

/** An account: opened once, credited by deposits, debited by withdrawals that it can cover. */
export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: { open: false, owner: null, balance: 0 },

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
    }
  },
};
