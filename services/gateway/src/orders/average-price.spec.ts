import { averagePrice } from './average-price';

describe("an order's average fill price", () => {
  it('is null before any fill', () => {
    expect(averagePrice(0, 0)).toBeNull();
  });

  it('is the price itself when all fills were at one price', () => {
    // 3 GPUs × 10 hours at 1.00.
    expect(averagePrice(30_000_000, 30)).toBe(1_000_000);
  });

  it('weighs each fill by its GPU-hours (an ask fills bids of different hours)', () => {
    // 1 GPU × 10 hours at 1.00 and 2 GPUs × 5 hours at 1.30: 23.00 over 20 GPU-hours.
    expect(averagePrice(10_000_000 + 13_000_000, 10 + 10)).toBe(1_150_000);
  });

  it('rounds to the nearest micro-dollar, a half up', () => {
    expect(averagePrice(10, 3)).toBe(3); // 3.33…
    expect(averagePrice(11, 3)).toBe(4); // 3.66…
    expect(averagePrice(7, 2)).toBe(4); // 3.5
  });
});
