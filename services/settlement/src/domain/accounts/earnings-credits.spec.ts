import type { CreditEarnings } from '@gpux/contracts';
import { alreadyCredited, withCredit } from './earnings-credits';

const credit = (through: number | undefined, extra: Partial<CreditEarnings> = {}): CreditEarnings => ({
  accountId: 'prov',
  amount: 100,
  leaseId: 't1',
  kind: 'lease',
  ...(through === undefined ? {} : { through }),
  ...extra,
});

describe('earnings credits, once per lease charge', () => {
  it('credits each charge once: a charge at or below the highest credited one was already paid', () => {
    const after = withCredit(withCredit(undefined, credit(100)), credit(250));
    expect(alreadyCredited(after, credit(100))).toBe(true);
    expect(alreadyCredited(after, credit(250))).toBe(true);
    expect(alreadyCredited(after, credit(300))).toBe(false);
    expect(after).toEqual({ 'lease:t1': 250 });
  });

  it('keeps leases and kinds apart: a fee and earnings on one lease are different charges', () => {
    const after = withCredit(undefined, credit(250));
    expect(alreadyCredited(after, credit(250, { leaseId: 't2' }))).toBe(false);
    expect(alreadyCredited(after, credit(250, { kind: 'fee' }))).toBe(false);
  });

  it('never lowers what was credited, and credits without a charge total as before', () => {
    expect(withCredit({ 'lease:t1': 250 }, credit(100))).toEqual({ 'lease:t1': 250 });
    expect(alreadyCredited({ 'lease:t1': 250 }, credit(undefined))).toBe(false);
    expect(withCredit({ 'lease:t1': 250 }, credit(undefined))).toEqual({ 'lease:t1': 250 });
  });
});
