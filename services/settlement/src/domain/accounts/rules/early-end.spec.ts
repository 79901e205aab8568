import type { LeaseEscrow } from '../account';
import { earlyEnd } from './early-end';

const lease: LeaseEscrow = {
  providerId: 'prov-1',
  value: 1_000,
  fee: 100,
  start: 0,
  end: 10_000,
  chargedValue: 0,
  chargedFee: 0,
};

describe('the early-end rule', () => {
  it('is due what was delivered until delivery stopped; the rest is refunded', () => {
    expect(earlyEnd(lease, 4_000)).toEqual({ due: { value: 400, fee: 40 }, refund: 660, until: 4_000 });
  });

  it('is due never less than what was already charged', () => {
    const charged = { ...lease, chargedValue: 600, chargedFee: 60 };
    expect(earlyEnd(charged, 4_000)).toEqual({
      due: { value: 600, fee: 60 },
      refund: 440,
      until: 4_000,
    });
  });

  it('is due nothing delivered after the end of the lease: all of it, no refund', () => {
    expect(earlyEnd(lease, 50_000)).toEqual({
      due: { value: 1_000, fee: 100 },
      refund: 0,
      until: 10_000,
    });
  });

  it('is due nothing of a lease stopped at its start', () => {
    expect(earlyEnd(lease, 0)).toEqual({ due: { value: 0, fee: 0 }, refund: 1_100, until: 0 });
  });

  it('stops delivery at the start of a lease whose node was breached before it began', () => {
    const later = { ...lease, start: 2_000, end: 12_000 };
    expect(earlyEnd(later, 1_000)).toEqual({ due: { value: 0, fee: 0 }, refund: 1_100, until: 2_000 });
  });
});
