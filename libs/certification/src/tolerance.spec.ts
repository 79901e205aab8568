import { seededRandom } from './random';
import {
  elementErrorFactor,
  elementTolerance,
  freivaldsErrorFactor,
  selfCheckErrorFactor,
  UNIT_ROUNDOFF,
} from './tolerance';

/** Round to the nearest f16 (normal and subnormal range; enough for values in [-K, K]). */
function f16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const e = Math.max(Math.floor(Math.log2(Math.abs(x))), -14);
  const ulp = 2 ** (e - 10);
  return Math.round(x / ulp) * ulp;
}

const uniform = (rng: () => number) => Math.fround((rng() / 2 ** 32) * 2 - 1);

/** Dot products of K arbitrary f32 values in [-1, 1], computed several ways; the exact reference in float64. */
function dots(k: number, seed: number) {
  const rng = seededRandom(seed);
  const a = Array.from({ length: k }, () => uniform(rng));
  const b = Array.from({ length: k }, () => uniform(rng));
  let exact = 0;
  let absSum = 0;
  let sequential = 0;
  let fma = 0;
  let f16Products = 0;
  let f16Accumulate = 0;
  const a16 = a.map(f16);
  const b16 = b.map(f16);
  let exact16 = 0;
  let absSum16 = 0;
  for (let i = 0; i < k; i++) {
    exact += a[i]! * b[i]!; // products of two f32 are exact in float64
    absSum += Math.abs(a[i]! * b[i]!);
    sequential = Math.fround(sequential + Math.fround(a[i]! * b[i]!));
    fma = Math.fround(fma + a[i]! * b[i]!);
    exact16 += a16[i]! * b16[i]!;
    absSum16 += Math.abs(a16[i]! * b16[i]!);
    f16Products = Math.fround(f16Products + f16(a16[i]! * b16[i]!));
    f16Accumulate = f16(f16Accumulate + f16(a16[i]! * b16[i]!));
  }
  // Pairwise (tree) summation in f32, the order of a split-K or reduction kernel.
  let level = a.map((x, i) => Math.fround(x * b[i]!));
  while (level.length > 1)
    level = Array.from({ length: Math.ceil(level.length / 2) }, (_, i) =>
      Math.fround(level[2 * i]! + (level[2 * i + 1] ?? 0)),
    );
  return {
    exact,
    absSum,
    sequential,
    fma,
    pairwise: level[0]!,
    exact16,
    absSum16,
    f16Products,
    f16Accumulate,
  };
}

describe('tolerances per precision', () => {
  it('follow unit roundoff × K with a safety factor of 2', () => {
    expect(UNIT_ROUNDOFF.f32.product).toBe(2 ** -24);
    expect(UNIT_ROUNDOFF.f16.product).toBe(2 ** -11);
    const k = 1024;
    const gamma = (k * 2 ** -24) / (1 - k * 2 ** -24);
    expect(elementErrorFactor('f32', k)).toBeCloseTo(2 * (2 ** -24 + gamma * (1 + 2 ** -24)), 15);
    expect(elementErrorFactor('f32', k)).toBeCloseTo(1.22e-4, 6);
    expect(elementErrorFactor('f16', k)).toBeGreaterThan(elementErrorFactor('f32', k));
    expect(elementErrorFactor('f32', 4096)).toBeGreaterThan(elementErrorFactor('f32', 1024));
    expect(elementTolerance('f32', k)).toBeCloseTo(elementErrorFactor('f32', k) * k, 12);
    // Freivalds' accumulation term grows with √K, not K.
    expect(freivaldsErrorFactor('f32', 16384, 16384)).toBeLessThan(elementErrorFactor('f32', 16384) / 5);
    expect(() => elementErrorFactor('f32', 2 ** 24)).toThrow(RangeError);
  });

  it('an f32 dot product of arbitrary values stays within the f32 tolerance in any summation order', () => {
    let noisy = 0;
    for (const k of [16, 256, 1024, 4096]) {
      for (let seed = 0; seed < 20; seed++) {
        const d = dots(k, seed * 7919 + k);
        const tolerance = elementTolerance('f32', k, d.absSum);
        for (const got of [d.sequential, d.fma, d.pairwise]) {
          expect(Math.abs(got - d.exact)).toBeLessThanOrEqual(tolerance);
          if (got !== d.exact) noisy++;
        }
      }
    }
    expect(noisy).toBeGreaterThan(100); // there was float noise to tolerate
  });

  it("f16 inputs with f16-rounded products pass the f16 tolerance; they would not pass f32's", () => {
    let beyondF32 = 0;
    for (const k of [256, 1024]) {
      for (let seed = 0; seed < 20; seed++) {
        const d = dots(k, seed * 104729 + k);
        expect(Math.abs(d.f16Products - d.exact16)).toBeLessThanOrEqual(
          elementTolerance('f16', k, d.absSum16),
        );
        if (Math.abs(d.f16Products - d.exact16) > elementTolerance('f32', k, d.absSum16)) beyondF32++;
      }
    }
    expect(beyondF32).toBeGreaterThan(0);
  });

  it("f16 accumulation is outside the f16 tier at K = 1024: its error often exceeds f32 accumulation's bound", () => {
    let beyond = 0;
    for (let seed = 0; seed < 20; seed++) {
      const d = dots(1024, seed);
      if (Math.abs(d.f16Accumulate - d.exact16) > Math.abs(d.f16Products - d.exact16) * 4) beyond++;
    }
    expect(beyond).toBeGreaterThan(10);
  });

  it("the worker's self-check bound covers f16 data rounded in and out, in either accumulation, and f32", () => {
    for (let seed = 0; seed < 20; seed++) {
      const d = dots(1024, seed);
      // From the f32 inputs: A and B rounded to f16, products in f16, summed in f16 or f32, C in f16.
      expect(Math.abs(f16(d.f16Accumulate) - d.exact)).toBeLessThanOrEqual(
        selfCheckErrorFactor('f16', 'f16', 1024) * d.absSum,
      );
      expect(Math.abs(f16(d.f16Products) - d.exact)).toBeLessThanOrEqual(
        selfCheckErrorFactor('f16', 'f32', 1024) * d.absSum,
      );
      expect(Math.abs(d.sequential - d.exact)).toBeLessThanOrEqual(
        selfCheckErrorFactor('f32', 'f32', 1024) * d.absSum,
      );
    }
    expect(selfCheckErrorFactor('f16', 'f32', 1024)).toBeLessThan(
      selfCheckErrorFactor('f16', 'f16', 1024) / 10,
    );
  });
});
