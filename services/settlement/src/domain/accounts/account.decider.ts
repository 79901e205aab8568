import { Decider, DecideContext, Decision } from '@gpux/eventsourcing/domain';
import { AccountCommand, AccountEvent, AccountState, initialAccountState } from './account';
import { evolveAccount } from './account.evolve';
import { allotBuyingPower } from './decide/allot-buying-power';
import { closeLeaseCredits } from './decide/close-lease-credits';
import { creditEarnings } from './decide/credit-earnings';
import { deposit } from './decide/deposit';
import { endLeaseEarly } from './decide/end-lease-early';
import { holdFunds } from './decide/hold-funds';
import { issueApiKey } from './decide/issue-api-key';
import { meterLease } from './decide/meter-lease';
import { openAccount } from './decide/open-account';
import { openLease } from './decide/open-lease';
import { releaseHold } from './decide/release-hold';
import { revokeApiKey } from './decide/revoke-api-key';
import { withdraw } from './decide/withdraw';

export { ACCOUNT_COMMANDS, ACCOUNT_EVENTS } from './account';
export type { AccountCommand, AccountEvent, AccountState, LeaseEscrow } from './account';

/** One function per command (decide/), each with the rules it applies (rules/). */
function decideAccount(
  command: AccountCommand,
  state: AccountState,
  context: DecideContext,
): Decision<AccountEvent> {
  switch (command.type) {
    case 'settlement.OpenAccount':
      return openAccount(command, state);
    case 'settlement.Deposit':
      return deposit(command, state);
    case 'settlement.Withdraw':
      return withdraw(command, state);
    case 'settlement.HoldFunds':
      return holdFunds(command, state);
    case 'settlement.ReleaseHold':
      return releaseHold(command, state);
    case 'settlement.OpenLease':
      return openLease(command, state);
    case 'settlement.MeterLease':
      return meterLease(command, state, context);
    case 'settlement.EndLeaseEarly':
      return endLeaseEarly(command, state, context);
    case 'settlement.CreditEarnings':
      return creditEarnings(command, state);
    case 'settlement.CloseLeaseCredits':
      return closeLeaseCredits(command, state);
    case 'settlement.IssueApiKey':
      return issueApiKey(command, state);
    case 'settlement.RevokeApiKey':
      return revokeApiKey(command, state);
    case 'settlement.AllotBuyingPower':
      return allotBuyingPower(command, state);
    default: {
      const unknown: never = command;
      throw new Error(`the account decides no ${(unknown as AccountCommand).type}`);
    }
  }
}

/**
 * An account: opened once, credited by deposits, debited by withdrawals it can cover; escrow
 * holds for bids and buying power for a market's bids, which trades turn into lease escrow, charged as the lease runs and paid to the
 * provider (less the platform's fee); and the account's API keys (digests only).
 *
 * Pure except that evolve updates the account's holds, leases and credited charges in place (see
 * evolveAccount), as a market's evolve does its book: the library evolves only events it has
 * validated and is about to commit, and discards a partition's state whenever a transaction or an
 * evolve fails, so no half-applied state survives; `initialState` is a fresh account per call.
 */
export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: initialAccountState,
  decide: decideAccount,
  evolve: evolveAccount,
};
