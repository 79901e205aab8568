import { fromHalfBits, roundTo, toHalfBits } from './buffers';

describe('f16 conversion', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [65520, 0x7c00], // rounds up past the largest half: infinity
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // half of it: ties to even, zero
    [3 * 2 ** -25, 0x0002],
    [2 ** -14, 0x0400], // smallest normal
    [1 + 2 ** -11, 0x3c00], // tie: to even
    [1 + 3 * 2 ** -11, 0x3c02],
  ])('%d has the half bits %i', (value, bits) => {
    expect(toHalfBits(value)).toBe(bits);
  });

  it('keeps NaN and round-trips every finite half exactly', () => {
    expect(fromHalfBits(toHalfBits(NaN))).toBeNaN();
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      expect(toHalfBits(fromHalfBits(h))).toBe(h === 0x8000 ? 0x8000 : h);
    }
  });

  it('rounds arrays to the precision', () => {
    const data = Float32Array.of(1 / 3, 100.03);
    expect(roundTo(data, 'f32')).toBe(data);
    expect([...roundTo(data, 'f16')]).toEqual([0.333251953125, 100]);
  });
});
