import { PLATFORM_ACCOUNT_ID } from '@gpux/contracts';
import type { AccountEvent, AccountState, LeaseEscrow } from './account';
import { withCredit } from './earnings-credits';
import { takeFromHold } from './rules/holds';

/** The account after an event. */
export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
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
}
