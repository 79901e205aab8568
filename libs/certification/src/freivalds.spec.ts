import { freivalds, freivaldsCompare, productTimesVector, timesVector } from './freivalds';
import { generateMatrix, MATRIX_A, MATRIX_B, parseSeed } from './prng';
import { randomBelow, randomHex, seededRandom } from './random';
import { referenceProduct } from './reference';
import { freivaldsErrorFactor } from './tolerance';

const vector = (rng: () => number, n: number, range = 4096) =>
  Array.from({ length: n }, () => randomBelow(rng, 2 * range) - range);

function generated(n: number, seedHex: string) {
  const seed = parseSeed(seedHex);
  return {
    a: generateMatrix(seed, MATRIX_A, n, n),
    b: generateMatrix(seed, MATRIX_B, n, n),
    c: referenceProduct({ seed: seedHex, n, version: 3, products: 1 }),
  };
}

describe("Freivalds' check", () => {
  it('accepts an honest f32 product of arbitrary values, with its float noise', () => {
    const rng = seededRandom(1);
    for (const [m, k, n] of [
      [64, 64, 64],
      [40, 300, 70],
      [128, 1024, 32],
    ] as const) {
      const a = Float32Array.from({ length: m * k }, () => (rng() / 2 ** 32) * 2 - 1);
      const b = Float32Array.from({ length: k * n }, () => (rng() / 2 ** 32) * 2 - 1);
      const c = new Float32Array(m * n);
      let noisy = 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          let exact = 0;
          for (let kk = 0; kk < k; kk++) {
            s = Math.fround(s + Math.fround(a[i * k + kk]! * b[kk * n + j]!));
            exact += a[i * k + kk]! * b[kk * n + j]!;
          }
          c[i * n + j] = s;
          if (s !== exact) noisy++;
        }
      }
      expect(noisy).toBeGreaterThan(0);
      const vectors = [vector(rng, n), vector(rng, n), vector(rng, n)];
      expect(freivalds(a, b, c, { m, k, n }, vectors, freivaldsErrorFactor('f32', k, n))).toBeNull();
    }
  });

  it('detects a single wrong element with high probability', () => {
    const rng = seededRandom(2);
    for (const n of [64, 128]) {
      const { a, b, c } = generated(n, randomHex(rng, 32));
      const factor = freivaldsErrorFactor('f32', n, n);
      let caughtOne = 0;
      let caughtTwo = 0;
      const runs = 300;
      for (let t = 0; t < runs; t++) {
        const wrong = Float32Array.from(c);
        const at = randomBelow(rng, n * n);
        // An error of one unit: a tenth of the entries' spread (about ±√n/3).
        wrong[at] = wrong[at]! + (rng() & 1 ? 1 : -1);
        const [r1, r2] = [vector(rng, n), vector(rng, n)];
        if (freivalds(a, b, wrong, { m: n, k: n, n }, [r1], factor)) caughtOne++;
        if (freivalds(a, b, wrong, { m: n, k: n, n }, [r1, r2], factor)) caughtTwo++;
      }
      expect(caughtOne / runs).toBeGreaterThan(0.95);
      expect(caughtTwo / runs).toBeGreaterThan(0.99);
    }
  });

  it('misses a wrong element with probability about 1/|S| in exact arithmetic (here S = {0, 1})', () => {
    const rng = seededRandom(3);
    const n = 32;
    const { a, b, c } = generated(n, randomHex(rng, 32));
    let passed = 0;
    const runs = 400;
    for (let t = 0; t < runs; t++) {
      const wrong = Float32Array.from(c);
      wrong[randomBelow(rng, n * n)]! += 0.5;
      if (!freivalds(a, b, wrong, { m: n, k: n, n }, [vector(rng, n, 1).map((x) => x + 1)], 0)) passed++;
    }
    expect(passed / runs).toBeGreaterThan(0.4);
    expect(passed / runs).toBeLessThan(0.6);
  });

  it('reports where the claimed C·r differs, and never passes NaN', () => {
    const { a, b, c } = generated(16, '00000000000000000000000000000001');
    const r = vector(seededRandom(4), 16);
    const expected = productTimesVector(a, b, 16, 16, 16, r);
    const claimed = timesVector(c, 16, 16, r);
    expect(freivaldsCompare(claimed, expected, 0)).toBeNull();
    claimed[5] = NaN;
    expect(freivaldsCompare(claimed, expected, 1e9)).toMatchObject({ row: 5 });
    expect(freivaldsCompare(claimed.subarray(1), expected, 1)).toMatchObject({ row: -1 });
  });
});
