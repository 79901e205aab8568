import type { LeaseEscrow } from '../account';
import { chargeTo } from './lease-charge';

const lease: LeaseEscrow = {
  providerId: 'prov-1',
  value: 1_000,
  fee: 100,
  start: 0,
  end: 10_000,
  chargedValue: 300,
  chargedFee: 30,
};

describe('the charge rule', () => {
  it('charges the difference between what is due and what was charged, and records the new totals', () => {
    expect(chargeTo('acc-1', 'l1', lease, { value: 500, fee: 50 }, false, 5_000)).toEqual({
      accountId: 'acc-1',
      leaseId: 'l1',
      providerId: 'prov-1',
      amount: 200,
      fee: 20,
      chargedValue: 500,
      chargedFee: 50,
      final: false,
      // The instant it is charged up to: what the lease accrued by then is its totals.
      upTo: '1970-01-01T00:00:05.000Z',
    });
  });

  it('charges nothing when nothing more is due, unless the charge is final', () => {
    expect(chargeTo('acc-1', 'l1', lease, { value: 300, fee: 30 }, false, 3_000)).toBeNull();
    expect(chargeTo('acc-1', 'l1', lease, { value: 300, fee: 30 }, true, 10_000)).toMatchObject({
      amount: 0,
      fee: 0,
      final: true,
      upTo: '1970-01-01T00:00:10.000Z',
    });
  });

  it('charges nothing, and gives nothing back, when asked up to a time already charged past', () => {
    expect(chargeTo('acc-1', 'l1', lease, { value: 200, fee: 20 }, false, 2_000)).toBeNull();
  });
});
