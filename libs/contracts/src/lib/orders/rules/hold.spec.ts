import { feePerGpuHour } from './fee';
import { holdFor } from './hold';

describe('the hold rule', () => {
  const bid = { gpus: 2, hours: 10, price: 2_100_000 };

  it('holds every GPU-hour of a bid at its limit price, with the fee', () => {
    expect(holdFor(bid, 250)).toBe(2 * 10 * (2_100_000 + feePerGpuHour(2_100_000, 250)));
    expect(holdFor(bid, 0)).toBe(2 * 10 * 2_100_000);
  });

  it('holds part of a bid in proportion: the parts add up to the whole', () => {
    expect(holdFor(bid, 250, 1)).toBe(holdFor(bid, 250) / 2);
    expect(holdFor(bid, 250, 0)).toBe(0);
    expect(holdFor({ ...bid, gpus: 5 }, 250, 2) + holdFor({ ...bid, gpus: 5 }, 250, 3)).toBe(
      holdFor({ ...bid, gpus: 5 }, 250),
    );
  });
});
