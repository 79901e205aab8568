/* eslint-disable @typescript-eslint/no-non-null-assertion -- hot loops over typed arrays, every index
   bounded by its loop: a fallback per access would cost in the verifier's innermost loops. */
/**
 * Freivalds' check: C = A·B is tested through C·r = A·(B·r) for a random vector r, in O(n²)
 * instead of the O(n³) of recomputing C.
 *
 * Error bound. Over exact arithmetic, if C ≠ A·B then D = C − A·B has a row d with some d_j ≠ 0,
 * and d·r = d_j·r_j + (the rest) vanishes for at most one value of r_j once the other entries are
 * fixed: with r drawn uniformly from a set S, a wrong C passes one trial with probability at most
 * 1/|S|, and t independent trials with at most |S|^-t (one-sided: a right C always passes).
 * With floats the comparison needs a tolerance τ_i per component (`tolerance.ts`), and an error δ
 * at (i, j) alone is missed only when |δ·r_j| ≤ τ_i, i.e. with probability about (2τ_i/|δ| + 1)/|S|:
 * large errors are caught as in exact arithmetic, errors below the tolerance are invisible.
 *
 * The challenge draws r from the integers in [-2^12, 2^12) (|S| = 8192). The generator's entries are
 * multiples of 1/64 and r is integral, so B·r and A·(B·r) are exact in float64 for n up to ~20000.
 */

export interface MatVec {
  /** M·x */
  value: Float64Array;
  /** |M|·|x|, the scale of M·x's rounding errors */
  magnitude: Float64Array;
}

/** M·x and |M|·|x| for a rows×cols row-major matrix M, in one pass over M. */
export function matVec(
  mat: ArrayLike<number>,
  rows: number,
  cols: number,
  x: ArrayLike<number>,
  xMagnitude?: ArrayLike<number>,
): MatVec {
  if (mat.length !== rows * cols || x.length !== cols || (xMagnitude && xMagnitude.length !== cols)) {
    throw new RangeError(
      `matVec: a ${rows}×${cols} matrix holds ${mat.length} values and needs a vector of ${cols}, got ${x.length}`,
    );
  }
  const xAbs = xMagnitude ?? Float64Array.from(x, Math.abs);
  const value = new Float64Array(rows);
  const magnitude = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    let t = 0;
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const m = mat[base + j]!;
      s += m * x[j]!;
      t += (m < 0 ? -m : m) * xAbs[j]!;
    }
    value[i] = s;
    magnitude[i] = t;
  }
  return { value, magnitude };
}

/** A·(B·r) and |A|·(|B|·|r|) for A (m×k) and B (k×n), row-major: 2·(m·k + k·n) multiply-adds. */
export function productTimesVector(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
  r: ArrayLike<number>,
): MatVec {
  const br = matVec(b, k, n, r);
  return matVec(a, m, k, br.value, br.magnitude);
}

export interface FreivaldsMismatch {
  row: number;
  claimed: number;
  expected: number;
  tolerance: number;
}

/**
 * The first component where `claimed` (C·r as the prover computed it) differs from `expected`
 * (A·(B·r)) by more than factor × |A|·(|B|·|r|), or null when none does. NaN and ±∞ never pass.
 */
export function freivaldsCompare(
  claimed: ArrayLike<number>,
  expected: MatVec,
  factor: number,
): FreivaldsMismatch | null {
  if (claimed.length !== expected.value.length) {
    return { row: -1, claimed: claimed.length, expected: expected.value.length, tolerance: 0 };
  }
  for (let i = 0; i < claimed.length; i++) {
    const c = claimed[i]!;
    const e = expected.value[i]!;
    const tolerance = factor * expected.magnitude[i]!;
    if (!(Math.abs(c - e) <= tolerance)) return { row: i, claimed: c, expected: e, tolerance };
  }
  return null;
}

/** C·r in float64, for the prover and for the full check below. */
export function timesVector(
  c: ArrayLike<number>,
  rows: number,
  cols: number,
  r: ArrayLike<number>,
): Float64Array {
  if (c.length !== rows * cols || r.length !== cols)
    throw new RangeError(`timesVector: ${rows}×${cols} matrix of ${c.length} values, vector of ${r.length}`);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const base = i * cols;
    for (let j = 0; j < cols; j++) s += c[base + j]! * r[j]!;
    out[i] = s;
  }
  return out;
}

/**
 * The classic check with C at hand: for each vector r, C·r against A·(B·r) within
 * factor × |A|·(|B|·|r|). Returns the first mismatch, or null when C passes every trial.
 */
export function freivalds(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c: ArrayLike<number>,
  dims: { m: number; k: number; n: number },
  vectors: readonly ArrayLike<number>[],
  factor: number,
): FreivaldsMismatch | null {
  for (const r of vectors) {
    const mismatch = freivaldsCompare(
      timesVector(c, dims.m, dims.n, r),
      productTimesVector(a, b, dims.m, dims.k, dims.n, r),
      factor,
    );
    if (mismatch) return mismatch;
  }
  return null;
}
