/** The balance rule: an account holds at most the largest safe integer of minor units. */
export const fitsBalance = (balance: number, deposit: number): boolean =>
  Number.isSafeInteger(balance + deposit);

/** The cover rule: an account pays (withdraws, holds) only what its available balance covers. */
export const covers = (balance: number, amount: number): boolean => amount <= balance;
