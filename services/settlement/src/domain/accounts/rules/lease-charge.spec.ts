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
    expect(chargeTo('acc-1', 'l1', lease, { value: 500, fee: 50 }, false)).toEqual({
      accountId: 'acc-1',
      leaseId: 'l1',
      providerId: 'prov-1',
      amount: 200,
      fee: 20,
      chargedValue: 500,
      chargedFee: 50,
      final: false,
    });
  });

  it('charges nothing when nothing more is due, unless the charge is final', () => {
    expect(chargeTo('acc-1', 'l1', lease, { value: 300, fee: 30 }, false)).toBeNull();
    expect(chargeTo('acc-1', 'l1', lease, { value: 300, fee: 30 }, true)).toMatchObject({
      amount: 0,
      fee: 0,
      final: true,
    });
  });

  it('charges nothing, and gives nothing back, when asked up to a time already charged past', () => {
    expect(chargeTo('acc-1', 'l1', lease, { value: 200, fee: 20 }, false)).toBeNull();
  });
});
