import type { CloseLeaseCredits, CreditEarnings } from '@gpux/contracts';

/**
 * Earnings and fees are credited once per lease charge. A charge is named by the lease's running
 * total of its kind (`through`), which only grows: charges of one lease are decided in order on
 * the buyer's partition, and their credits reach an account in that order. So the highest total
 * credited per lease and kind is all an account keeps, and a credit at or below it (a process
 * manager replaying the charges) is one already paid.
 *
 * A lease whose last charge is credited (`last`) is finished: no credit of it can be new. It is
 * kept among the account's last FINISHED_KEPT finished leases, marked FINISHED (above any total),
 * and then forgotten. A lease that ends early with nothing due beyond its charges so far gets no
 * last credit; it is finished when its credits are closed (settlement.LeaseCreditsClosed). Before, an account kept every lease it was ever credited for, and the
 * platform's account is credited the fee of every lease: its state, its snapshot and its rebuild
 * grew with every lease ever. A credit is written once, in the transaction of the charge it pays
 * (docs/event-flows.md), and the command processor also drops a command whose key it has seen; so
 * a repeat of a finished lease's credit could only come from a replay reaching back over a
 * thousand finished leases of the account, and would then be credited again.
 */
export type CreditedCharges = Record<string, number>;

/** The keys of the finished leases still kept in CreditedCharges, oldest first. */
export type FinishedCredits = string[];

/** How many finished leases (of each account) are still recognised. */
export const FINISHED_KEPT = 1_000;

/** What a finished lease's key holds: above any charge total, so every credit of it was paid. */
export const FINISHED = Number.MAX_SAFE_INTEGER;

const keyOf = (c: Pick<CreditEarnings, 'kind' | 'leaseId'>) => `${c.kind}:${c.leaseId}`;

/**
 * Whether the account still counts credits of this lease and kind: credited, not finished (a
 * lease that ended early with nothing more due gets no last credit, and is closed with this).
 */
export function creditsOpen(credited: CreditedCharges | undefined, c: CloseLeaseCredits): boolean {
  const through = credited?.[keyOf(c)];
  return through !== undefined && through !== FINISHED;
}

/** The lease is finished for the account: kept among the last FINISHED_KEPT finished ones. */
function finish(
  record: CreditedCharges,
  key: string,
  finished: FinishedCredits | undefined,
): FinishedCredits {
  const done = finished ?? [];
  if (record[key] !== FINISHED) done.push(key);
  record[key] = FINISHED;
  while (done.length > FINISHED_KEPT) {
    const oldest = done.shift() as string;
    delete record[oldest];
  }
  return done;
}

/** The credited charges after the lease's credits are closed (updated in place, as withCredit). */
export function withCreditsClosed(
  credited: CreditedCharges | undefined,
  c: CloseLeaseCredits,
  finished?: FinishedCredits,
): { credited: CreditedCharges; finished: FinishedCredits } {
  const record = credited ?? {};
  return { credited: record, finished: finish(record, keyOf(c), finished) };
}

/** Whether this credit's charge was already credited to the account. */
export function alreadyCredited(credited: CreditedCharges | undefined, c: CreditEarnings): boolean {
  if (c.through === undefined) return false; // written before charges were named: not comparable
  return c.through <= (credited?.[keyOf(c)] ?? 0);
}

/**
 * The credited charges after this credit: `credited` and `finished` themselves, updated in place
 * (a copy per credit would cost in proportion to the leases kept), or new ones when there are none
 * yet. A last credit finishes its lease, and a lease finished FINISHED_KEPT leases ago is
 * forgotten.
 */
export function withCredit(
  credited: CreditedCharges | undefined,
  c: CreditEarnings,
  finished?: FinishedCredits,
): { credited: CreditedCharges; finished: FinishedCredits | undefined } {
  const record = credited ?? {};
  if (c.through === undefined) return { credited: record, finished };
  const key = keyOf(c);
  if (!c.last) {
    record[key] = Math.max(c.through, record[key] ?? 0);
    return { credited: record, finished };
  }
  return { credited: record, finished: finish(record, key, finished) };
}
