import type { CreditEarnings } from '@gpux/contracts';
import {
  alreadyCredited,
  creditsOpen,
  FINISHED,
  FINISHED_KEPT,
  withCredit,
  withCreditsClosed,
} from './earnings-credits';

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
    const after = withCredit(withCredit(undefined, credit(100)).credited, credit(250)).credited;
    expect(alreadyCredited(after, credit(100))).toBe(true);
    expect(alreadyCredited(after, credit(250))).toBe(true);
    expect(alreadyCredited(after, credit(300))).toBe(false);
    expect(after).toEqual({ 'lease:t1': 250 });
  });

  it('keeps leases and kinds apart: a fee and earnings on one lease are different charges', () => {
    const after = withCredit(undefined, credit(250)).credited;
    expect(alreadyCredited(after, credit(250, { leaseId: 't2' }))).toBe(false);
    expect(alreadyCredited(after, credit(250, { kind: 'fee' }))).toBe(false);
  });

  it('never lowers what was credited, and credits without a charge total as before', () => {
    expect(withCredit({ 'lease:t1': 250 }, credit(100)).credited).toEqual({ 'lease:t1': 250 });
    expect(alreadyCredited({ 'lease:t1': 250 }, credit(undefined))).toBe(false);
    expect(withCredit({ 'lease:t1': 250 }, credit(undefined)).credited).toEqual({ 'lease:t1': 250 });
  });

  it('finishes a lease with its last credit: every credit of it is then one already paid', () => {
    const { credited, finished } = withCredit(
      withCredit(undefined, credit(100)).credited,
      credit(250, { last: true }),
    );
    expect(credited).toEqual({ 'lease:t1': FINISHED });
    expect(finished).toEqual(['lease:t1']);
    for (const through of [100, 250, 400]) expect(alreadyCredited(credited, credit(through))).toBe(true);
    // Its fee is another charge, still open.
    expect(alreadyCredited(credited, credit(250, { kind: 'fee' }))).toBe(false);
  });

  it(`keeps only the last ${FINISHED_KEPT} finished leases, and every lease not finished`, () => {
    let state = withCredit(undefined, credit(100, { leaseId: 'open-lease' }));
    for (let i = 0; i < FINISHED_KEPT + 5; i++)
      state = withCredit(state.credited, credit(50, { leaseId: `l${i}`, last: true }), state.finished);
    expect(state.finished).toHaveLength(FINISHED_KEPT);
    expect(state.finished?.[0]).toBe('lease:l5');
    expect(Object.keys(state.credited)).toHaveLength(FINISHED_KEPT + 1);
    expect(alreadyCredited(state.credited, credit(100, { leaseId: 'open-lease' }))).toBe(true);
    expect(alreadyCredited(state.credited, credit(50, { leaseId: 'l5' }))).toBe(true);
    // Forgotten: a credit of it would be taken as new (a replay over a thousand finished leases).
    expect(alreadyCredited(state.credited, credit(50, { leaseId: 'l4' }))).toBe(false);
    expect(state.credited['lease:l4']).toBeUndefined();
  });

  it('finishes a lease once: its last credit again lists it no second time', () => {
    const once = withCredit(undefined, credit(250, { last: true }));
    const twice = withCredit(once.credited, credit(250, { last: true }), once.finished);
    expect(twice.finished).toEqual(['lease:t1']);
  });

  it('closes the credits of a lease that ended early with no last credit: finished, as by one', () => {
    const close = { accountId: 'prov', leaseId: 't1', kind: 'lease' as const };
    const credited = withCredit(undefined, credit(250)).credited;
    expect(creditsOpen(credited, close)).toBe(true);
    expect(creditsOpen(credited, { ...close, kind: 'fee' })).toBe(false); // never credited
    const closed = withCreditsClosed(credited, close, ['lease:t0']);
    expect(closed).toEqual({ credited: { 'lease:t1': FINISHED }, finished: ['lease:t0', 'lease:t1'] });
    expect(creditsOpen(closed.credited, close)).toBe(false);
    for (const through of [250, 400]) expect(alreadyCredited(closed.credited, credit(through))).toBe(true);
    // Finished leases are kept FINISHED_KEPT at most, closed or credited last alike.
    let state = { credited: closed.credited, finished: closed.finished };
    for (let i = 0; i < FINISHED_KEPT; i++)
      state = withCreditsClosed(state.credited, { ...close, leaseId: `l${i}` }, state.finished);
    expect(state.finished).toHaveLength(FINISHED_KEPT);
    expect(state.credited['lease:t1']).toBeUndefined();
  });
});
