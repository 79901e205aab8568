/**
 * How far an honest worker's C may be from the exact product, per precision.
 *
 * Precision tiers. `f32`: A, B, products and sums in f32. `f16`: A and B stored in f16 (the
 * generator's values are exact there), products possibly rounded to f16, sums accumulated in f32,
 * as mixed-precision GEMMs (tensor cores, `f32(a) * f32(b)` or `f32(a * b)` in WGSL) do. Kernels that
 * also accumulate in f16 are outside the tier: their error, about √K·2^-11 of the sum of |a·b|,
 * would be as large as the differences the check must see at certification sizes.
 *
 * The model (Higham, Accuracy and Stability of Numerical Algorithms, §3.1): a dot product of K
 * terms, in any summation order (blocked, tree, split-K) and with or without FMA, satisfies
 *   |ĉ − c| ≤ (u_p + γ_K(u_a)·(1 + u_p)) · Σ_k |a_k·b_k|,   γ_K(u) = K·u / (1 − K·u),
 * with u_p the unit roundoff of the products and u_a that of the accumulation. With |b| ≤ 1,
 * Σ|a_k·b_k| ≤ Σ|a_k| = ‖a‖₁, which the verifier has at hand while regenerating a row of A.
 *
 * - An opened row's element is checked against this deterministic bound times SAFETY (2): no
 *   honest rounding can exceed it whatever the kernel, and it is still sharp (for K = 1024 in f32
 *   about 0.06, where the entries of C spread about ±11).
 * - Freivalds sums N such errors weighted by r. The worst case over the sum grows like N·K·u and
 *   would hide errors of the size of an element, so there the accumulation term uses the
 *   probabilistic bound of Higham & Mary (SIAM J. Sci. Comput. 41(5), 2019): rounding errors of
 *   independent signs give γ̃_K = λ·√K·u, exceeded with probability below 2K·exp(−λ²/2), about
 *   3·10⁻¹¹ per element for K = 1024 with λ = 8. The product term stays deterministic (the f16
 *   roundings of the products depend on the values, not on chance).
 *
 * In practice these are pure margins: the generator's entries make every f32 sum exact for K ≤ 4096
 * (see prng.ts), so an honest f32 worker matches the verifier bit for bit.
 */

export const PRECISIONS = ['f32', 'f16'] as const;
export type Precision = (typeof PRECISIONS)[number];

export function isPrecision(p: unknown): p is Precision {
  return typeof p === 'string' && (PRECISIONS as readonly string[]).includes(p);
}

/** Unit roundoff of the products and of the accumulation, per tier. */
export const UNIT_ROUNDOFF: Record<Precision, { product: number; accumulate: number }> = {
  f32: { product: 2 ** -24, accumulate: 2 ** -24 },
  f16: { product: 2 ** -11, accumulate: 2 ** -24 },
};

/** Multiplies every bound: margin for anything the model leaves out. */
export const SAFETY = 2;
/** λ of the probabilistic bound used by Freivalds. */
export const FREIVALDS_LAMBDA = 8;
/** Unit roundoff of the verifier's and the worker's float64 arithmetic. */
const U64 = 2 ** -53;

function gamma(k: number, u: number): number {
  if (!(k * u < 0.5)) throw new RangeError(`K = ${k} is too long a dot product for unit roundoff ${u}`);
  return (k * u) / (1 - k * u);
}

/**
 * Relative bound for one element of C: |ĉ − c| ≤ this × Σ_k |a_k·b_k| (deterministic, any order).
 */
export function elementErrorFactor(precision: Precision, k: number): number {
  const { product, accumulate } = UNIT_ROUNDOFF[precision];
  return SAFETY * (product + gamma(k, accumulate) * (1 + product));
}

/** Tolerance of one element of C whose K terms have Σ|a_k·b_k| ≤ `absSum` (≤ K for entries in [-1, 1]). */
export function elementTolerance(precision: Precision, k: number, absSum = k): number {
  return elementErrorFactor(precision, k) * absSum;
}

/**
 * Relative bound for a Freivalds component: |(Ĉ·r)_i − (A·(B·r))_i| ≤ this × (|A|·(|B|·|r|))_i,
 * covering the worker's rounding in C (probabilistic over k, worst case over j) and both sides'
 * float64 arithmetic in the mat-vec products.
 */
export function freivaldsErrorFactor(precision: Precision, k: number, n: number): number {
  const { product, accumulate } = UNIT_ROUNDOFF[precision];
  const probabilistic = Math.min(FREIVALDS_LAMBDA * Math.sqrt(k) * accumulate, gamma(k, accumulate));
  return SAFETY * (product + probabilistic * (1 + product)) + 2 * gamma(k + n + 2, U64);
}

/**
 * The worker's self-check of a kernel (its autotuner and `benchmark`), which multiplies arbitrary
 * floats rather than the generator's exact values, with data in `precision` and sums in
 * `accumulate`: relative to |A|·|B|, 4 unit roundoffs of the data (rounding A and B to the working
 * precision, the products, the output) plus 4·√K of the accumulation's (rounding errors of
 * independent signs, Higham & Mary; the worst case K·u would hide real errors in f16).
 */
export function selfCheckErrorFactor(precision: Precision, accumulate: Precision, k: number): number {
  return 4 * UNIT_ROUNDOFF[precision].product + 4 * Math.sqrt(k) * UNIT_ROUNDOFF[accumulate].product;
}
