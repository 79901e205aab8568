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
});
