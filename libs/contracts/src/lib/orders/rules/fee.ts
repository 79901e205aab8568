/**
 * The fee rule: the platform takes `feeRateBps` basis points of the price of every GPU-hour,
 * rounded up to a whole minor unit per GPU-hour. Linear in GPU-hours, so holds split exactly.
 *
 * Exact for every price in minor units: `price × feeRateBps / 10,000` in floating point was rounded
 * before it was rounded up, 1 minor unit off at large prices (a 100 % fee on 14,411,540.895923 came
 * to 1 µ$ more than the price). Below 2^53 the product is exact and its remainder by 10,000 says
 * whether to round up; above, the same in BigInt.
 */
export function feePerGpuHour(price: number, feeRateBps: number): number {
  const product = price * feeRateBps;
  if (Number.isSafeInteger(product)) {
    const rest = product % 10_000;
    return (product - rest) / 10_000 + (rest > 0 ? 1 : 0);
  }
  // Prices are whole minor units; anything else (none the contracts let through) as before.
  if (!Number.isSafeInteger(price) || !Number.isSafeInteger(feeRateBps))
    return Math.ceil((price * feeRateBps) / 10_000);
  const exact = BigInt(price) * BigInt(feeRateBps);
  return Number((exact + 9_999n) / 10_000n);
}
