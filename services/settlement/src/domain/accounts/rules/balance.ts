import type { AccountState } from '../account';

/**
 * What an account owns in all, minor units: its available balance, what its holds set aside, and
 * what its leases still have in escrow (their value and fee not charged yet). Each of these comes
 * back to the available balance as holds are released and leases end early, so this is the most
 * the available balance can become without a deposit or a credit.
 */
export function owned(state: Pick<AccountState, 'balance' | 'held' | 'leases'>): number {
  let total = state.balance;
  for (const amount of Object.values(state.held ?? {})) total += amount;
  for (const l of Object.values(state.leases ?? {})) total += l.value + l.fee - l.chargedValue - l.chargedFee;
  return total;
}

/**
 * The balance rule: an account owns at most the largest safe integer of minor units, counting what
 * it holds and has in escrow (`owned`), so that a balance stays exact when they come back to it.
 */
export const fitsBalance = (ownedNow: number, deposit: number): boolean =>
  Number.isSafeInteger(ownedNow + deposit);

/** The cover rule: an account pays (withdraws, holds) only what its available balance covers. */
export const covers = (balance: number, amount: number): boolean => amount <= balance;
