import type { CreditEarnings } from '@gpux/contracts';

/**
 * Earnings and fees are credited once per lease charge. A charge is named by the lease's running
 * total of its kind (`through`), which only grows: charges of one lease are decided in order on
 * the buyer's partition, and their credits reach an account in that order. So the highest total
 * credited per lease and kind is all an account keeps, and a credit at or below it (a process
 * manager replaying the charges) is one already paid.
 */
export type CreditedCharges = Record<string, number>;

const keyOf = (c: Pick<CreditEarnings, 'kind' | 'leaseId'>) => `${c.kind}:${c.leaseId}`;

/** Whether this credit's charge was already credited to the account. */
export function alreadyCredited(credited: CreditedCharges | undefined, c: CreditEarnings): boolean {
  if (c.through === undefined) return false; // written before charges were named: not comparable
  return c.through <= (credited?.[keyOf(c)] ?? 0);
}

/**
 * The credited charges after this credit: `credited` itself, updated in place (it keeps a charge
 * per lease ever credited, so a copy per credit would cost in proportion to them), or a new record
 * when there is none yet.
 */
export function withCredit(credited: CreditedCharges | undefined, c: CreditEarnings): CreditedCharges {
  const record = credited ?? {};
  if (c.through === undefined) return record;
  const key = keyOf(c);
  record[key] = Math.max(c.through, record[key] ?? 0);
  return record;
}
