/**
 * What to claim when the provider does not say: the throughput of whole proofs (generate A and B,
 * multiply, hash C's rows, commit) on this GPU at the challenge's size, then derated. A proof has
 * fixed costs besides its products (its commitment's read-back, the submissions' round trips): on
 * lavapipe a one-product proof at n = 512 took 116 ms where its product took 15, and on a fast GPU
 * the share is far larger, so one product's time would claim a fraction of what the GPU delivers,
 * and capacity would size the challenge small and refuse a claim under the market's minimum. The
 * claim is therefore a rate: the products of a proof long enough to be mostly products, less a
 * one-product proof (its fixed costs), per product. A certification sized for its target time pays
 * those fixed costs once, as this rate leaves out. The verifier's deadline allows the claimed
 * compute time plus a quarter and a fixed allowance; claiming half of what was measured leaves an
 * honest worker room for a busy machine and the network. The certified figure is what the verifier
 * measures anyway, not the claim.
 */
import {
  Challenge,
  ChallengeSizing,
  challengeSizeFor,
  createChallenge,
  DEFAULT_SIZING,
  flopOf,
  isPrecision,
  secureRandom,
} from '@gpux/certification';

export const SAFETY_FACTOR = 0.5;

/**
 * How long the longer proof runs at least: long enough that its products, not its fixed costs, take
 * most of it, and that it holds enough products where one takes tens of ms (lavapipe at n = 1024:
 * about 16; with 0.4 s, four or five, and the rate read 0.59–0.69 of the benchmark's, against
 * 0.76–0.87 now).
 */
export const CLAIM_SAMPLE_MS = 1_200;

/** The most products a claim's proof takes (a GPU whose products take microseconds at the smallest size). */
export const CLAIM_MAX_PRODUCTS = 4_096;

export interface ClaimMeasurement {
  claimTflops: number;
  measuredTflops: number;
  size: number;
  safetyFactor: number;
}

/** How far past the sample the straight line's aim goes: timings wobble, and a proof short of it costs one more. */
const CLAIM_AIM = 1.1;
/** The least a growing proof grows by once aimed: a line that keeps aiming short still gets there in a few. */
const CLAIM_LEAST_GROWTH = 1.25;

/** A proof of the claim's measurement: its products and its whole time. */
export interface TimedProducts {
  products: number;
  ms: number;
}

/**
 * The products of the next growing proof, from the last one and the one before it (none before the
 * first): at least double, or what the last proof's time per product says fills the sample (that
 * counts the fixed costs too, so it says too few). Once two proofs of different sizes are known,
 * and the line through them rises, no more than that line (a proof's fixed costs, then a time per
 * product) puts a tenth past the sample, and at least a quarter more than the last: doubling alone
 * ended up to twice past the sample, and every long proof of the claim runs as long.
 */
export function nextClaimProducts(
  last: TimedProducts,
  before: TimedProducts | undefined,
  sampleMs: number,
  maxProducts: number,
): number {
  const grown = Math.max(2 * last.products, Math.ceil((last.products * sampleMs) / last.ms));
  let next = grown;
  if (before && last.products > before.products) {
    const perProduct = (last.ms - before.ms) / (last.products - before.products);
    if (perProduct > 0) {
      const fixed = last.ms - perProduct * last.products;
      const aimed = Math.ceil((sampleMs * CLAIM_AIM - fixed) / perProduct);
      next = Math.min(grown, Math.max(Math.ceil(last.products * CLAIM_LEAST_GROWTH), aimed));
    }
  }
  return Math.min(maxProducts, next);
}

/** Proves `challenge` and resolves with the whole proof's time in ms. */
export type TimedProof = (challenge: Challenge) => Promise<number>;

export interface ClaimSampling {
  /** Times each proof of the rate is taken; the slowest counts. */
  runs?: number;
  sampleMs?: number;
  maxProducts?: number;
}

/**
 * One warm-up proof of one product (it compiles the pipelines), then proofs of more products
 * (nextClaimProducts) until one takes `sampleMs` (or has `maxProducts`); then that proof and a
 * one-product proof, `runs` times each in all: the first one-product proof after the warm-up and
 * the last of the growing ones, the long proof itself, are the first of each (a long proof is
 * seconds on a slow adapter, and a worker measures before every certification). The rate is the
 * slowest long proof's time less the fastest one-product proof's, over the products between them
 * (the long proof's whole time per product where that difference is not positive).
 */
export async function measureClaim(
  prove: TimedProof,
  size: number,
  precision: string,
  sampling: ClaimSampling = {},
): Promise<ClaimMeasurement> {
  const { runs = 2, sampleMs = CLAIM_SAMPLE_MS, maxProducts = CLAIM_MAX_PRODUCTS } = sampling;
  const rng = secureRandom();
  const challenge = (products: number) =>
    createChallenge({
      n: size,
      products,
      precision: isPrecision(precision) ? precision : 'f32',
      claimedTflops: 1,
      now: Date.now(),
      rng,
    });
  const elapsed = async (products: number) => Math.max(await prove(challenge(products)), 0.001);
  await elapsed(1); // compiles the pipelines: not timed
  const firstOne = await elapsed(1);
  let products = 1;
  let ms = firstOne;
  let before: TimedProducts | undefined;
  while (ms < sampleMs && products < maxProducts) {
    const last = { products, ms };
    products = nextClaimProducts(last, before, sampleMs, maxProducts);
    before = last;
    ms = await elapsed(products);
  }
  let fastestOne = firstOne;
  let slowestOne = firstOne;
  let slowestLong = products > 1 ? ms : 0;
  for (let i = 1; i < runs; i++) {
    const one = await elapsed(1);
    fastestOne = Math.min(fastestOne, one);
    slowestOne = Math.max(slowestOne, one);
    if (products > 1) slowestLong = Math.max(slowestLong, await elapsed(products));
  }
  const perProductMs =
    products === 1
      ? slowestOne
      : slowestLong > fastestOne
        ? (slowestLong - fastestOne) / (products - 1)
        : slowestLong / products;
  const measuredTflops = flopOf({ n: size, products: 1 }) / (perProductMs / 1000) / 1e12;
  return { claimTflops: measuredTflops * SAFETY_FACTOR, measuredTflops, size, safetyFactor: SAFETY_FACTOR };
}

/**
 * The claim to state for a measurement: half the measured rate, or what the node's market requires
 * of it (`requiredTflops`) where the rate covers that and half of it does not. Capacity refuses a
 * claim below the market's minimum, and the halving would otherwise refuse a node that delivers
 * it; at the market's minimum the deadline still allows the measured rate a quarter more, and the
 * fixed allowance. A node whose rate is below the minimum states half of it, and is told why it is
 * refused.
 */
export function claimToState(measurement: ClaimMeasurement, requiredTflops?: number | null): number {
  const { claimTflops, measuredTflops } = measurement;
  if (requiredTflops == null || claimTflops >= requiredTflops || measuredTflops < requiredTflops)
    return claimTflops;
  return requiredTflops;
}

/**
 * How far above what this GPU measures a --claim-tflops may go: twice the measured rate. A
 * challenge is sized for the claim and its deadline allows 1.25 × the claimed compute time plus
 * 1 s, so a node that delivers half its claim computes for twice the time allowed and fails at the
 * deadline, after minutes of work on a slow adapter (DEADLINE_MISSED in the node's history), or
 * its challenge is sized past what the adapter can bind and is not answered at all. Twice leaves
 * an honest claim room for a measurement that read low (a busy machine, a GPU still clocking up),
 * and the measured claim (half the rate, SAFETY_FACTOR) four times.
 */
export const CLAIM_ABOVE_MEASURED = 2;

export type ClaimCheck =
  { ok: true; measurement: ClaimMeasurement } | { ok: false; measurement: ClaimMeasurement; error: string };

/**
 * Whether a --claim-tflops is within CLAIM_ABOVE_MEASURED × what this GPU measures, before any
 * certification is asked for. Measured as a claim is (`measure`: measureClaim at a size, the
 * kernels ready for it), first at the smallest challenge size; where the claim is above the bound,
 * again at the size the measured rate picks while that grows (a GPU delivers more on larger
 * products), never past the size the claim's own challenge would have. The best rate counts.
 */
export async function checkClaimOption(
  claimTflops: number,
  measure: (size: number) => Promise<ClaimMeasurement>,
  sizing: ChallengeSizing = DEFAULT_SIZING,
): Promise<ClaimCheck> {
  const largest = challengeSizeFor(claimTflops, sizing);
  let size = sizing.minSize;
  let best: ClaimMeasurement | undefined;
  for (;;) {
    const measurement = await measure(size);
    if (!best || measurement.measuredTflops > best.measuredTflops) best = measurement;
    if (!(best.measuredTflops > 0 && Number.isFinite(best.measuredTflops)))
      return { ok: true, measurement: best };
    if (claimTflops <= CLAIM_ABOVE_MEASURED * best.measuredTflops) return { ok: true, measurement: best };
    const next = Math.min(challengeSizeFor(measurement.measuredTflops, sizing), largest);
    if (next <= size) break;
    size = next;
  }
  const most = CLAIM_ABOVE_MEASURED * best.measuredTflops;
  return {
    ok: false,
    measurement: best,
    error:
      `--claim-tflops ${claimTflops} is more than ${CLAIM_ABOVE_MEASURED}× what this adapter measured: ` +
      `${significant(best.measuredTflops)} TFLOP/s (f32 proofs of ${best.size}×${best.size} products), so its challenge ` +
      `would fail at its deadline (1.25× the claimed compute time): pass --claim-tflops ${floorSignificant(most)} or less, ` +
      `or leave --claim-tflops out to claim what this adapter measures (half of it: ${significant(best.claimTflops)}); ` +
      'nothing was asked of the gateway',
  };
}

/** `x` to 3 significant digits. */
const significant = (x: number): number => Number(x.toPrecision(3));

/** `x` rounded down to 3 significant digits: a figure to pass that stays within the bound. */
function floorSignificant(x: number): number {
  const step = 10 ** (Math.floor(Math.log10(x)) - 2);
  return significant(Math.floor(x / step + 1e-9) * step);
}
