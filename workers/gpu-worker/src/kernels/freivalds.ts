/**
 * Checks of a product C = A·B on the CPU, in float64. Pure: no WebGPU.
 *
 * Freivalds: for a random vector r, C·r must equal A·(B·r); O(n²) work instead of the O(n³)
 * product, and a wrong element of C shows in row i of C·r unless r hides it, which a vector
 * with no entry near zero never does. Floating point makes "equal" a tolerance: the kernels sum K
 * products in the working precision, so row i may be off by about gamma·(|A|·|B|·|r|)_i.
 */
import type { Precision } from './wgsl';

/** Unit roundoff of the working precision. */
export const unitRoundoff = (precision: Precision) => (precision === 'f16' ? 2 ** -11 : 2 ** -24);

/**
 * Relative error allowed against |A|·|B|: rounding errors of a K-term sum grow like √K for data
 * without a systematic sign (the worst case, K·u, would hide real errors in f16); + 4 covers
 * rounding the inputs and the output to the working precision.
 */
export function errorFactor(precision: Precision, k: number): number {
  return unitRoundoff(precision) * (4 * Math.sqrt(k) + 4);
}

export interface ProductCheck {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  m: number;
  n: number;
  k: number;
  precision: Precision;
}

export interface FreivaldsResult {
  ok: boolean;
  /** Rows of C·r outside the tolerance (or not finite). */
  badRows: number;
  /** The row with the largest |C·r − A·B·r| / tolerance, and that ratio (≤ 1 when ok). */
  worstRow: number;
  worstRatio: number;
}

/** A uniform [0, 1) generator from a 32-bit seed (mulberry32): repeatable checks in tests. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function assertShapes({ a, b, c, m, n, k }: ProductCheck): void {
  if (a.length < m * k || b.length < k * n || c.length < m * n)
    throw new RangeError(`freivalds: arrays too short for ${m}x${k} · ${k}x${n}`);
}

export function freivalds(check: ProductCheck, random: () => number = Math.random): FreivaldsResult {
  assertShapes(check);
  const { a, b, c, m, n, k } = check;
  // Entries of magnitude 0.5–1 with random signs: no entry can mask a wrong column.
  const r = Float64Array.from({ length: n }, () => (random() < 0.5 ? -1 : 1) * (0.5 + random() / 2));
  const br = new Float64Array(k);
  const absBr = new Float64Array(k);
  for (let p = 0; p < k; p++) {
    let s = 0;
    let t = 0;
    for (let j = 0, o = p * n; j < n; j++) {
      const x = (b[o + j] ?? 0) * (r[j] ?? 0);
      s += x;
      t += Math.abs(x);
    }
    br[p] = s;
    absBr[p] = t;
  }
  const gamma = errorFactor(check.precision, k);
  let badRows = 0;
  let worstRow = 0;
  let worstRatio = 0;
  for (let i = 0; i < m; i++) {
    let abr = 0;
    let bound = 0;
    for (let p = 0, o = i * k; p < k; p++) {
      const x = a[o + p] ?? 0;
      abr += x * (br[p] ?? 0);
      bound += Math.abs(x) * (absBr[p] ?? 0);
    }
    let cr = 0;
    for (let j = 0, o = i * n; j < n; j++) cr += (c[o + j] ?? NaN) * (r[j] ?? 0);
    const tolerance = gamma * bound + Number.MIN_VALUE;
    const ratio = Math.abs(cr - abr) / tolerance;
    if (!(ratio <= 1)) badRows++; // NaN counts as bad
    if (!(ratio <= worstRatio)) {
      worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
      worstRow = i;
    }
  }
  return { ok: badRows === 0, badRows, worstRow, worstRatio };
}

/** C = A·B in float64, the reference of the tests and the tuner's small-shape check. */
export function referenceMatmul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p] ?? 0;
      for (let j = 0, o = p * n, q = i * n; j < n; j++) c[q + j] = (c[q + j] ?? 0) + x * (b[o + j] ?? 0);
    }
  return c;
}

/** Elements of C farther from the float64 product than the precision allows (first few named). */
export function wrongElements(check: ProductCheck, limit = 5): { count: number; examples: string[] } {
  assertShapes(check);
  const { a, b, c, m, n, k } = check;
  const exact = referenceMatmul(a, b, m, n, k);
  const abs = referenceMatmul(a.map(Math.abs), b.map(Math.abs), m, n, k);
  const gamma = errorFactor(check.precision, k);
  const examples: string[] = [];
  let count = 0;
  for (let i = 0; i < m * n; i++) {
    const got = c[i] ?? NaN;
    const want = exact[i] ?? 0;
    if (!(Math.abs(got - want) <= gamma * (abs[i] ?? 0) + Number.MIN_VALUE)) {
      count++;
      if (examples.length < limit) examples.push(`C[${Math.floor(i / n)},${i % n}]=${got} expected ${want}`);
    }
  }
  return { count, examples };
}
