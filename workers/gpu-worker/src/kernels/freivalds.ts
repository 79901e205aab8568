/**
 * The worker's self-check of a product C = A·B on the CPU, in float64: Freivalds' check, with the
 * certification library's mat-vec products and tolerance model (libs/certification: freivalds.ts,
 * tolerance.ts), over every row so a failure can say how many rows and which is worst. Pure: no
 * WebGPU.
 *
 * For a random vector r, C·r must equal A·(B·r): O(n²) work instead of the O(n³) product, and a
 * wrong element of C shows in row i of C·r unless r hides it, which a vector with no entry near
 * zero never does. The data here are arbitrary floats, so "equal" is `selfCheckErrorFactor` of
 * the kernel's precision and accumulation times |A|·(|B|·|r|).
 */
import { Precision, productTimesVector, selfCheckErrorFactor, timesVector } from '@gpux/certification';

export interface ProductCheck {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  m: number;
  n: number;
  k: number;
  /** The precision of the data. */
  precision: Precision;
  /** The precision of the kernel's sums (default: the data's). */
  accumulate?: Precision;
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

/** The check's relative tolerance for a kernel of this precision and accumulation. */
export const errorFactor = (check: Pick<ProductCheck, 'precision' | 'accumulate' | 'k'>): number =>
  selfCheckErrorFactor(check.precision, check.accumulate ?? check.precision, check.k);

/** A, B and C cut to their shapes (the GPU's buffers may be longer); too short is a RangeError. */
function shaped({ a, b, c, m, n, k }: ProductCheck) {
  if (a.length < m * k || b.length < k * n || c.length < m * n)
    throw new RangeError(`freivalds: arrays too short for ${m}x${k} · ${k}x${n}`);
  return { a: a.subarray(0, m * k), b: b.subarray(0, k * n), c: c.subarray(0, m * n) };
}

export function freivalds(check: ProductCheck, random: () => number = Math.random): FreivaldsResult {
  const { a, b, c } = shaped(check);
  const { m, n, k } = check;
  // Entries of magnitude 0.5–1 with random signs: no entry can mask a wrong column.
  const r = Float64Array.from({ length: n }, () => (random() < 0.5 ? -1 : 1) * (0.5 + random() / 2));
  const expected = productTimesVector(a, b, m, k, n, r);
  const claimed = timesVector(c, m, n, r);
  const factor = errorFactor(check);
  let badRows = 0;
  let worstRow = 0;
  let worstRatio = 0;
  for (let i = 0; i < m; i++) {
    const tolerance = factor * (expected.magnitude[i] ?? 0) + Number.MIN_VALUE;
    const ratio = Math.abs((claimed[i] ?? NaN) - (expected.value[i] ?? 0)) / tolerance;
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
  const { a, b, c } = shaped(check);
  const { m, n, k } = check;
  const exact = referenceMatmul(a, b, m, n, k);
  const abs = referenceMatmul(a.map(Math.abs), b.map(Math.abs), m, n, k);
  const gamma = errorFactor(check);
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
