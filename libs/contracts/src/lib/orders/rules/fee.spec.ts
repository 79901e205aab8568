import { feePerGpuHour } from './fee';

describe('the fee rule', () => {
  it('takes the fee rate in basis points of the price of a GPU-hour', () => {
    expect(feePerGpuHour(2_000_000, 250)).toBe(50_000);
    expect(feePerGpuHour(2_000_000, 0)).toBe(0);
  });

  it('rounds up to a whole minor unit per GPU-hour', () => {
    expect(feePerGpuHour(1, 250)).toBe(1);
    expect(feePerGpuHour(2_000_001, 250)).toBe(50_001);
  });

  it('is per GPU-hour, so the fee of n GPU-hours is n times it (holds split exactly)', () => {
    const perHour = feePerGpuHour(2_050_000, 250);
    expect(perHour).toBe(51_250);
    expect(3 * 10 * perHour).toBe(1_537_500);
  });

  it('is exact at any price in minor units, where a product in floating point is not', () => {
    // A 100 % fee is the price itself.
    expect(feePerGpuHour(14_411_540_895_923, 10_000)).toBe(14_411_540_895_923);
    // Past 2^53 the product is rounded as a double: the fee is worked out in integers.
    const price = 576_490_547_445_560;
    expect(feePerGpuHour(price, 250)).toBe(Number((BigInt(price) * 250n + 9_999n) / 10_000n));
    expect(feePerGpuHour(Number.MAX_SAFE_INTEGER, 10_000)).toBe(Number.MAX_SAFE_INTEGER);
    // Each rounds up exactly: one minor unit over a whole fee adds one.
    for (const bps of [1, 7, 250, 9_999]) {
      const whole = 10_000 * 123_456_789;
      expect(feePerGpuHour(whole, bps)).toBe(123_456_789 * bps);
      expect(feePerGpuHour(whole + 1, bps)).toBe(123_456_789 * bps + 1);
    }
  });
});
