/**
 * The size n of a node's challenges follows its claim (docs/certification.md, "The size of a
 * challenge"): a product must keep the GPU busy for a while, or a challenge measures per-product
 * dispatch, hashing and generation rather than the GPU. A CPU-emulated adapter at 0.01 TFLOP/s
 * spends 27 ms on a product at n = 512; an H200 at 25 TFLOP/s spends 11 µs there and 5.5 ms at
 * n = 4096. One configured n cannot serve both, so n doubles from the smallest size until a
 * product takes at least `productMs` at the claim, up to the largest size. The smallest size is
 * 1024 by default, whatever the claim: a product's hashing and generation are O(n²) on the same GPU
 * (the hashing about 62/n of a product's work: 12 % at 512, 6 % at 1024), a share no claim changes,
 * and the clock should measure the products.
 *
 * Capacity's node decider applies the rule to the claim of a challenge that comes without a size
 * (every certification; a spot check of a certificate that recorded none), and the worker, told the
 * numbers when it joins, to the claim it is about to state, so it tunes its kernels at that size
 * before any deadline runs. Pure: the same numbers give the same n everywhere.
 */
import { MAX_DIMENSION } from './challenge';

export interface ChallengeSizing {
  /**
   * The smallest n (what a worker measures its first claim at). 1024 by default: below it the
   * O(n²) costs of a product (its hashing, its inputs' generation) are more than a twentieth of it.
   */
  minSize: number;
  /** The largest n. */
  maxSize: number;
  /** The least time one product should take at the claim, ms. */
  productMs: number;
}

export const DEFAULT_SIZING: ChallengeSizing = { minSize: 1024, maxSize: 8192, productMs: 5 };

/** Why a sizing cannot be used, or null. */
export function sizingError(sizing: ChallengeSizing): string | null {
  const { minSize, maxSize, productMs } = sizing;
  if (!Number.isInteger(minSize) || minSize < 1 || minSize > MAX_DIMENSION)
    return `the smallest challenge size must be an integer in 1..${MAX_DIMENSION}, got ${minSize}`;
  if (!Number.isInteger(maxSize) || maxSize < minSize || maxSize > MAX_DIMENSION)
    return `the largest challenge size must be an integer in ${minSize}..${MAX_DIMENSION}, got ${maxSize}`;
  if (!(Number.isFinite(productMs) && productMs >= 0))
    return `the time of a product must be a non-negative number of ms, got ${productMs}`;
  return null;
}

/** ms one n×n product takes at `tflops`. */
export const productMsAt = (n: number, tflops: number): number => ((2 * n ** 3) / (tflops * 1e12)) * 1000;

/**
 * The challenge size for a claim of `claimedTflops` (the node's): the smallest of minSize,
 * 2·minSize, 4·minSize… at which one product takes at least productMs, and maxSize when none
 * below it does. A claim that is not a positive number gets minSize (it is refused elsewhere).
 */
export function challengeSizeFor(claimedTflops: number, sizing: ChallengeSizing = DEFAULT_SIZING): number {
  const error = sizingError(sizing);
  if (error) throw new RangeError(error);
  if (!(Number.isFinite(claimedTflops) && claimedTflops > 0)) return sizing.minSize;
  let n = sizing.minSize;
  while (n < sizing.maxSize && productMsAt(n, claimedTflops) < sizing.productMs)
    n = Math.min(2 * n, sizing.maxSize);
  return n;
}
