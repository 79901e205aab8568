import { roundTo } from './buffers';
import { errorFactor, freivalds, referenceMatmul, seededRandom, wrongElements } from './freivalds';

function product(m: number, n: number, k: number, seed: number) {
  const random = seededRandom(seed);
  const a = Float32Array.from({ length: m * k }, () => random() * 2 - 1);
  const b = Float32Array.from({ length: k * n }, () => random() * 2 - 1);
  const c = Float32Array.from(referenceMatmul(a, b, m, n, k));
  return { a, b, c, m, n, k };
}

describe('Freivalds check', () => {
  it('computes the float64 reference', () => {
    const c = referenceMatmul(
      Float32Array.of(1, 2, 3, 4, 5, 6),
      Float32Array.of(7, 8, 9, 10, 11, 12),
      2,
      2,
      3,
    );
    expect([...c]).toEqual([58, 64, 139, 154]);
  });

  it('accepts a right product, non-square, in f32 and in f16', () => {
    const p = product(37, 53, 19, 1);
    expect(freivalds({ ...p, precision: 'f32' }, seededRandom(2))).toMatchObject({ ok: true, badRows: 0 });
    // f16: C computed from f16-rounded inputs and rounded to f16, checked against the f32 inputs.
    const a16 = roundTo(p.a, 'f16');
    const b16 = roundTo(p.b, 'f16');
    const c16 = roundTo(Float32Array.from(referenceMatmul(a16, b16, p.m, p.n, p.k)), 'f16');
    expect(freivalds({ ...p, c: c16, precision: 'f16' }, seededRandom(3)).ok).toBe(true);
    // The same, summed in f32 (the certification tier): the input and output rounding still pass.
    expect(freivalds({ ...p, c: c16, precision: 'f16', accumulate: 'f32' }, seededRandom(3)).ok).toBe(true);
  });

  it('detects one wrong element, whatever r is', () => {
    const p = product(64, 48, 96, 4);
    const wrong = Float32Array.from(p.c);
    wrong[17 * 48 + 30]! += 0.01; // far above f32 rounding, far below the element's size
    for (let seed = 0; seed < 20; seed++) {
      const result = freivalds({ ...p, c: wrong, precision: 'f32' }, seededRandom(seed));
      expect(result).toMatchObject({ ok: false, badRows: 1, worstRow: 17 });
      expect(result.worstRatio).toBeGreaterThan(1);
    }
  });

  it('treats NaN and infinity as wrong', () => {
    const p = product(8, 8, 8, 5);
    const c = Float32Array.from(p.c);
    c[3] = NaN;
    expect(freivalds({ ...p, c, precision: 'f32' })).toMatchObject({
      ok: false,
      badRows: 1,
      worstRow: 0,
      worstRatio: Infinity,
    });
  });

  it('scales the tolerance with the precision and with K', () => {
    const f = (precision: 'f32' | 'f16', k: number, accumulate = precision) =>
      errorFactor({ precision, accumulate, k });
    expect(f('f16', 256)).toBeGreaterThan(f('f32', 256) * 1000);
    expect(f('f32', 4096)).toBeGreaterThan(f('f32', 64));
    // f16 data summed in f32: the data's rounding, not √K of f16's.
    expect(f('f16', 256, 'f32')).toBeLessThan(f('f16', 256) / 10);
    expect(f('f16', 256, 'f32')).toBeGreaterThanOrEqual(3 * 2 ** -11);
  });

  it('refuses arrays too short for the shapes', () => {
    expect(() =>
      freivalds({
        a: new Float32Array(3),
        b: new Float32Array(4),
        c: new Float32Array(4),
        m: 2,
        n: 2,
        k: 2,
        precision: 'f32',
      }),
    ).toThrow(RangeError);
  });

  it('names the wrong elements of an element-wise check', () => {
    const p = product(5, 7, 3, 6);
    const c = Float32Array.from(p.c);
    c[2 * 7 + 4]! += 1;
    expect(wrongElements({ ...p, c, precision: 'f32' })).toEqual({
      count: 1,
      examples: [expect.stringMatching(/^C\[2,4\]=/)],
    });
    expect(wrongElements({ ...p, precision: 'f32' }).count).toBe(0);
  });
});
