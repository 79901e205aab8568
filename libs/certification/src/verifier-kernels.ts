/* eslint-disable @typescript-eslint/no-non-null-assertion -- hot loops over typed arrays, every index
   bounded by its loop: a fallback per access would cost in the verifier's innermost loops. */
/**
 * The verifier's CPU arithmetic, written for speed in plain JavaScript: A as int8 numerators
 * (m×k, row-major), B as int8 numerators transposed (n×k: column j of B is contiguous), so every
 * inner loop is a contiguous dot product accumulated in registers. All sums are of integers far
 * below 2^53, hence exact; results are in numerator units (A·B in 2^-12, B·r in 2^-6).
 */

/**
 * Two rows of A in one float64: lane 0 + lane 1 · 2^shift. Dot products with B then give two
 * elements of A·B per multiply-add, exactly, as long as every partial sum of a lane stays below
 * 2^(shift-1) in magnitude (|sum| ≤ k·64·64) and the packed sum below 2^53. Null when k is too long.
 */
function laneShift(k: number): number | null {
  const bound = k * VALUE_RANGE * VALUE_RANGE;
  const shift = Math.ceil(Math.log2(bound + 1)) + 1;
  return bound * (2 ** shift + 1) < 2 ** 53 ? shift : null;
}

const VALUE_RANGE = 64;

/**
 * Row i of A·B for each i in `rows`, one column at a time: calls `check(t, j, exact)` with
 * exact = (A·B)[rows[t]][j] × 4096; stops and returns the first non-null answer. Cost:
 * rows·k·n/2 multiply-adds (two rows per float64, eight rows per pass over B).
 */
export function forEachProductElement<T>(
  a: Int8Array,
  bt: Int8Array,
  k: number,
  n: number,
  rows: readonly number[],
  check: (t: number, j: number, exact: number) => T | null,
): T | null {
  const shift = laneShift(k);
  const lanes = shift === null ? 1 : 2;
  const scale = shift === null ? 0 : 2 ** shift;
  // packed[v] holds rows[lanes·v] (+ rows[lanes·v + 1] · 2^shift) of A as float64.
  const vectors = Math.ceil(rows.length / lanes);
  const packed: Float64Array[] = [];
  for (let v = 0; v < vectors; v++) {
    const p = new Float64Array(k);
    const lo = rows[lanes * v]! * k;
    const hiRow = lanes === 2 ? rows[lanes * v + 1] : undefined;
    for (let kk = 0; kk < k; kk++)
      p[kk] = a[lo + kk]! + (hiRow === undefined ? 0 : a[hiRow * k + kk]! * scale);
    packed.push(p);
  }
  const zero = new Float64Array(k);
  const sums = new Float64Array(4);
  for (let g = 0; g < vectors; g += 4) {
    const p0 = packed[g]!;
    const p1 = packed[g + 1] ?? zero;
    const p2 = packed[g + 2] ?? zero;
    const p3 = packed[g + 3] ?? zero;
    const count = Math.min(4, vectors - g);
    for (let j = 0; j < n; j++) {
      const base = j * k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let kk = 0; kk < k; kk++) {
        const b = bt[base + kk]!;
        s0 += p0[kk]! * b;
        s1 += p1[kk]! * b;
        s2 += p2[kk]! * b;
        s3 += p3[kk]! * b;
      }
      sums[0] = s0;
      sums[1] = s1;
      sums[2] = s2;
      sums[3] = s3;
      for (let u = 0; u < count; u++) {
        const total = sums[u]!;
        const t = lanes * (g + u);
        if (lanes === 1) {
          const answer = check(t, j, total);
          if (answer !== null) return answer;
          continue;
        }
        const hi = Math.round(total / scale);
        const answer = check(t, j, total - hi * scale);
        if (answer !== null) return answer;
        if (t + 1 < rows.length) {
          const second = check(t + 1, j, hi);
          if (second !== null) return second;
        }
      }
    }
  }
  return null;
}

/** x += B·r (in 2^-6 units) for one vector. */
function addBTimes(bt: Int8Array, k: number, n: number, r: Float64Array, x: Float64Array): void {
  for (let j = 0; j < n; j++) {
    const base = j * k;
    const c = r[j]!;
    for (let kk = 0; kk < k; kk++) x[kk] = x[kk]! + bt[base + kk]! * c;
  }
}

/** x0 += B·r0 and x1 += B·r1 in one pass over B. */
function addBTimes2(
  bt: Int8Array,
  k: number,
  n: number,
  r0: Float64Array,
  r1: Float64Array,
  x0: Float64Array,
  x1: Float64Array,
): void {
  for (let j = 0; j < n; j++) {
    const base = j * k;
    const c0 = r0[j]!;
    const c1 = r1[j]!;
    for (let kk = 0; kk < k; kk++) {
      const b = bt[base + kk]!;
      x0[kk] = x0[kk]! + b * c0;
      x1[kk] = x1[kk]! + b * c1;
    }
  }
}

/** B·r for each vector r (in 2^-6 units), two vectors per pass over B. */
export function bTimesVectors(
  bt: Int8Array,
  k: number,
  n: number,
  vectors: readonly Float64Array[],
): Float64Array[] {
  const out = vectors.map(() => new Float64Array(k));
  for (let t = 0; t < vectors.length; t += 2) {
    if (t + 1 < vectors.length) addBTimes2(bt, k, n, vectors[t]!, vectors[t + 1]!, out[t]!, out[t + 1]!);
    else addBTimes(bt, k, n, vectors[t]!, out[t]!);
  }
  return out;
}

/** ‖a_i‖₁ of every row of A (in 2^-6 units). */
export function rowNorms(a: Int8Array, m: number, k: number): Float64Array {
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const base = i * k;
    let norm = 0;
    for (let kk = 0; kk < k; kk++) {
      const p = a[base + kk]!;
      const sign = p >> 31;
      norm += (p ^ sign) - sign; // |p| without a branch: the signs are random, a branch mispredicts half the time
    }
    out[i] = norm;
  }
  return out;
}

/** A·x0 and A·x1 in one pass over A. */
function aTimes2(
  a: Int8Array,
  m: number,
  k: number,
  x0: Float64Array,
  x1: Float64Array,
  y0: Float64Array,
  y1: Float64Array,
): void {
  for (let i = 0; i < m; i++) {
    const base = i * k;
    let s0 = 0;
    let s1 = 0;
    for (let kk = 0; kk < k; kk++) {
      const p = a[base + kk]!;
      s0 += p * x0[kk]!;
      s1 += p * x1[kk]!;
    }
    y0[i] = s0;
    y1[i] = s1;
  }
}

function aTimes(a: Int8Array, m: number, k: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < m; i++) {
    const base = i * k;
    let s = 0;
    for (let kk = 0; kk < k; kk++) s += a[base + kk]! * x[kk]!;
    y[i] = s;
  }
}

/** A·x for each x (in 2^-12 units when x is B·r), two vectors per pass over A. */
export function aTimesVectors(
  a: Int8Array,
  m: number,
  k: number,
  xs: readonly Float64Array[],
): Float64Array[] {
  const y = xs.map(() => new Float64Array(m));
  for (let t = 0; t < xs.length; t += 2) {
    if (t + 1 < xs.length) aTimes2(a, m, k, xs[t]!, xs[t + 1]!, y[t]!, y[t + 1]!);
    else aTimes(a, m, k, xs[t]!, y[t]!);
  }
  return y;
}

/** Σ_j values[j]·r[j] and Σ_j |values[j]·r[j]| in float64. */
export function dotWithMagnitude(values: Float32Array, r: Float64Array): { sum: number; magnitude: number } {
  let sum = 0;
  let magnitude = 0;
  for (let j = 0; j < values.length; j++) {
    const term = values[j]! * r[j]!;
    sum += term;
    magnitude += Math.abs(term);
  }
  return { sum, magnitude };
}

/**
 * The first i where |claimed[i] − expected[i]·scale| > factor·norms[i], or -1. NaN never passes.
 */
export function firstOutside(
  claimed: Float64Array,
  expected: Float64Array,
  scale: number,
  norms: Float64Array,
  factor: number,
): number {
  for (let i = 0; i < claimed.length; i++) {
    if (!(Math.abs(claimed[i]! - expected[i]! * scale) <= factor * norms[i]!)) return i;
  }
  return claimed.length === expected.length ? -1 : 0;
}
