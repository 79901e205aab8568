/**
 * The fee rule: the platform takes `feeRateBps` basis points of the price of every GPU-hour,
 * rounded up to a whole minor unit per GPU-hour. Linear in GPU-hours, so holds split exactly.
 */
export function feePerGpuHour(price: number, feeRateBps: number): number {
  return Math.ceil((price * feeRateBps) / 10_000);
}
