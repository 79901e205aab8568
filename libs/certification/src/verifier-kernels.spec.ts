import {
  aTimesVectors,
  bTimesVectors,
  dotWithMagnitude,
  firstOutside,
  forEachProductElement,
  rowNorms,
} from './verifier-kernels';
import { generateNumerators, generateNumeratorsTransposed, MATRIX_A, MATRIX_B, parseSeed } from './prng';
import { randomBelow, seededRandom } from './random';

/** A·B's rows exactly, the slow obvious way, from row-major int8 A (m×k) and transposed B (n×k). */
function naiveRows(a: Int8Array, bt: Int8Array, k: number, n: number, rows: number[]): number[][] {
  return rows.map((i) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let kk = 0; kk < k; kk++) s += a[i * k + kk]! * bt[j * k + kk]!;
      return s;
    }),
  );
}

function collect(a: Int8Array, bt: Int8Array, k: number, n: number, rows: number[]): number[][] {
  const out = rows.map(() => new Array<number>(n).fill(NaN));
  forEachProductElement(a, bt, k, n, rows, (t, j, exact) => {
    out[t]![j] = exact;
    return null;
  });
  return out;
}

describe("the verifier's CPU kernels", () => {
  const seed = parseSeed('00112233445566778899aabbccddeeff');

  it('give the opened rows of A·B exactly, for any number of rows and any k', () => {
    const rng = seededRandom(5);
    for (const [m, k, n] of [
      [7, 1, 5],
      [40, 33, 17],
      [64, 1024, 9],
      [9, 5000, 4],
      [5, 20000, 3],
    ] as const) {
      const a = generateNumerators(seed, MATRIX_A, m, k);
      const bt = generateNumeratorsTransposed(seed, MATRIX_B, k, n);
      for (const count of [1, 2, 3, 7, Math.min(m, 16)]) {
        const rows = Array.from({ length: count }, () => randomBelow(rng, m));
        expect(collect(a, bt, k, n, rows)).toEqual(naiveRows(a, bt, k, n, rows));
      }
    }
  });

  it('stay exact at the extreme sums (every product +4096 or -4096)', () => {
    for (const k of [1024, 4096, 16384, 40000]) {
      const a = new Int8Array(2 * k).fill(-64);
      a.fill(63, k);
      const bt = new Int8Array(2 * k).fill(-64);
      bt.fill(63, k);
      expect(collect(a, bt, k, 2, [0, 1, 1, 0, 0])).toEqual(naiveRows(a, bt, k, 2, [0, 1, 1, 0, 0]));
    }
  });

  it('stops at the first element the check answers for', () => {
    const a = generateNumerators(seed, MATRIX_A, 8, 8);
    const bt = generateNumeratorsTransposed(seed, MATRIX_B, 8, 8);
    let calls = 0;
    expect(
      forEachProductElement(
        a,
        bt,
        8,
        8,
        [1, 2, 3],
        (t, j) => (++calls, t === 2 && j === 5 ? `row ${t} col ${j}` : null),
      ),
    ).toBe('row 2 col 5');
    expect(calls).toBeLessThan(24);
  });

  it('B·r, A·x and the row norms agree with the obvious loops, for one to three vectors', () => {
    const [m, k, n] = [11, 13, 17];
    const a = generateNumerators(seed, MATRIX_A, m, k);
    const b = generateNumerators(seed, MATRIX_B, k, n);
    const bt = generateNumeratorsTransposed(seed, MATRIX_B, k, n);
    for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) expect(bt[j * k + i]).toBe(b[i * n + j]);
    const rng = seededRandom(6);
    for (const count of [1, 2, 3]) {
      const rs = Array.from({ length: count }, () =>
        Float64Array.from({ length: n }, () => randomBelow(rng, 8192) - 4096),
      );
      const xs = bTimesVectors(bt, k, n, rs);
      const ys = aTimesVectors(a, m, k, xs);
      rs.forEach((r, t) => {
        const x = Array.from({ length: k }, (_, i) => r.reduce((s, rj, j) => s + b[i * n + j]! * rj, 0));
        expect(Array.from(xs[t]!)).toEqual(x);
        expect(Array.from(ys[t]!)).toEqual(
          Array.from({ length: m }, (_, i) => x.reduce((s, xk, kk) => s + a[i * k + kk]! * xk, 0)),
        );
      });
    }
    expect(Array.from(rowNorms(a, m, k))).toEqual(
      Array.from({ length: m }, (_, i) =>
        Array.from(a.subarray(i * k, (i + 1) * k)).reduce((s, p) => s + Math.abs(p), 0),
      ),
    );
  });

  it('compare within per-row tolerances, never passing NaN', () => {
    const norms = Float64Array.from([1, 1, 1]);
    expect(firstOutside(Float64Array.from([1, 2, 3]), Float64Array.from([2, 4, 6]), 0.5, norms, 0)).toBe(-1);
    expect(firstOutside(Float64Array.from([1, 2.5, 3]), Float64Array.from([2, 4, 6]), 0.5, norms, 0.4)).toBe(
      1,
    );
    expect(firstOutside(Float64Array.from([1, 2, NaN]), Float64Array.from([2, 4, 6]), 0.5, norms, 1e9)).toBe(
      2,
    );
    expect(dotWithMagnitude(Float32Array.from([1, -2, 3]), Float64Array.from([4, 5, -6]))).toEqual({
      sum: 4 - 10 - 18,
      magnitude: 32,
    });
  });
});
