import type { AccountState } from '../account';

/**
 * One unit of `balanceCarry`: 2^53 minor units. An account's available balance is
 * `balanceCarry × 2^53 + balance`, with `balance` in [0, 2^53): the part a JavaScript number holds
 * exactly. Deposits stop at the largest safe integer (fitsBalance), but earnings are money a buyer
 * has already paid and are never refused, so a provider's (and the platform's) balance can pass it:
 * as a number it would round (a balance of 17,007,199,254,740,991 µ$ read …992, and a withdrawal
 * of the rounded amount overdrew the account). The carry keeps it exact in plain JSON numbers, so
 * snapshots and events stay as they are; it is absent while it is 0.
 */
export const CARRY_UNIT = 2 ** 53;

type Available = Pick<AccountState, 'balance' | 'balanceCarry'>;

/** The available balance, exact. */
export function availableBalance(state: Available): bigint {
  return BigInt(state.balanceCarry ?? 0) * BigInt(CARRY_UNIT) + BigInt(state.balance);
}

/** The account after a credit of `amount` (a safe integer ≥ 0) to its available balance, exact. */
export function creditBalance<S extends Available>(state: S, amount: number): S {
  const carry = state.balanceCarry ?? 0;
  // Both terms are integers of at most 2^53: each difference is exact.
  return amount < CARRY_UNIT - state.balance
    ? withAvailable(state, state.balance + amount, carry)
    : withAvailable(state, amount - (CARRY_UNIT - state.balance), carry + 1);
}

/** The account after a debit of `amount` (a safe integer its balance covers), exact. */
export function debitBalance<S extends Available>(state: S, amount: number): S {
  const carry = state.balanceCarry ?? 0;
  return amount <= state.balance
    ? withAvailable(state, state.balance - amount, carry)
    : withAvailable(state, state.balance + (CARRY_UNIT - amount), carry - 1);
}

/** A copy of the account with this available balance; no `balanceCarry` while it is 0. */
function withAvailable<S extends Available>(state: S, balance: number, carry: number): S {
  const next = { ...state, balance };
  if (carry > 0) next.balanceCarry = carry;
  else delete next.balanceCarry;
  return next;
}

/**
 * What an account owns in all, minor units: its available balance, what its holds set aside, and
 * what its leases still have in escrow (their value and fee not charged yet). Each of these comes
 * back to the available balance as holds are released and leases end early, so this is the most
 * the available balance can become without a deposit or a credit. Past the largest safe integer it
 * is not exact, but it is past it (fitsBalance refuses).
 */
export function owned(state: Pick<AccountState, 'balance' | 'balanceCarry' | 'held' | 'leases'>): number {
  let total = state.balance + (state.balanceCarry ?? 0) * CARRY_UNIT;
  for (const amount of Object.values(state.held ?? {})) total += amount;
  for (const l of Object.values(state.leases ?? {})) total += l.value + l.fee - l.chargedValue - l.chargedFee;
  return total;
}

/**
 * The balance rule: a deposit makes an account own at most the largest safe integer of minor
 * units, counting what it holds and has in escrow (`owned`).
 */
export const fitsBalance = (ownedNow: number, deposit: number): boolean =>
  Number.isSafeInteger(ownedNow + deposit);

/** The cover rule: an account pays (withdraws, holds) only what its available balance covers. */
export const covers = (state: Available, amount: number): boolean =>
  (state.balanceCarry ?? 0) > 0 || amount <= state.balance;
