import { PLATFORM_ACCOUNT_ID } from '@gpux/contracts';
import { own } from '@gpux/eventsourcing/domain';
import type { AccountEvent, AccountState } from './account';
import { withCredit, withCreditsClosed } from './earnings-credits';
import { takeFromHold } from './rules/holds';
import { creditBalance, debitBalance } from './rules/balance';

/**
 * The account after an event. Its holds, its leases and the charges credited to it are updated in
 * place, not copied per event: each can be large (a hold per open bid, as many as a market
 * maker's resting orders; a buyer's live leases; for a provider and for the platform's account,
 * which takes every fee, each lease charged and not finished, and the last finished ones:
 * earnings-credits.ts), and a copy per event cost time in proportion to them. See accountDecider
 * on why in place is safe. Everything else is copied.
 */
export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'settlement.AccountOpened':
      return { ...state, open: true, owner: event.data.owner };
    case 'settlement.FundsDeposited':
      return creditBalance(state, event.data.amount);
    case 'settlement.FundsWithdrawn':
      return debitBalance(state, event.data.amount);
    case 'settlement.FundsHeld': {
      const held = state.held ?? {};
      held[event.data.holdId] = event.data.amount;
      return { ...debitBalance(state, event.data.amount), held };
    }
    case 'settlement.BuyingPowerAllotted': {
      // Added to the market's buying-power hold: it may hold some already.
      const held = state.held ?? {};
      held[event.data.holdId] = (own(held, event.data.holdId) ?? 0) + event.data.amount;
      return { ...debitBalance(state, event.data.amount), held };
    }
    case 'settlement.HoldReleased': {
      const held = takeFromHold(state.held, event.data.holdId, event.data.amount);
      return { ...creditBalance(state, event.data.amount), held };
    }
    case 'settlement.LeaseOpened': {
      const { leaseId, holdId, providerId, value, fee, start, end } = event.data;
      const leases = state.leases ?? {};
      leases[leaseId] = {
        providerId,
        value,
        fee,
        start: Date.parse(start),
        end: Date.parse(end),
        chargedValue: 0,
        chargedFee: 0,
      };
      return { ...state, held: takeFromHold(state.held, holdId, value + fee), leases };
    }
    case 'settlement.LeaseCharged': {
      const { leaseId, chargedValue, chargedFee, final } = event.data;
      const leases = state.leases ?? {};
      const lease = own(leases, leaseId);
      if (!lease || final) delete leases[leaseId];
      else leases[leaseId] = { ...lease, chargedValue, chargedFee };
      return { ...state, leases };
    }
    case 'settlement.SlaCredited': {
      const leases = state.leases ?? {};
      delete leases[event.data.leaseId];
      return { ...creditBalance(state, event.data.amount), leases };
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
      const { credited, finished } = withCredit(state.credited, event.data, state.finishedCredits);
      return {
        ...creditBalance(state, event.data.amount),
        ...opened,
        credited,
        ...(finished ? { finishedCredits: finished } : {}),
      };
    }
    case 'settlement.LeaseCreditsClosed': {
      const { credited, finished } = withCreditsClosed(state.credited, event.data, state.finishedCredits);
      return { ...state, credited, finishedCredits: finished };
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
