import {
  entryBits,
  entryValue,
  generateMatrix,
  generateNumerators,
  generateNumeratorsTransposed,
  generateRowNumerators,
  MATRIX_A,
  MATRIX_B,
  matrixKey,
  mix32,
  parseSeed,
} from './prng';
import { PRNG_WGSL, prngFillShader } from './prng-wgsl';

// Known answers computed by an independent C implementation of the spec (uint32_t arithmetic).
// They pin the generator: any change here is a new protocol version, on both sides.
const SEED = '0123456789abcdeffedcba9876543210';

describe('the challenge generator (spec v1)', () => {
  it('parses the seed as four big-endian words', () => {
    expect(parseSeed(SEED)).toEqual([0x01234567, 0x89abcdef, 0xfedcba98, 0x76543210]);
    for (const bad of ['', '0123', SEED.toUpperCase(), SEED + '0', 'g'.repeat(32)])
      expect(() => parseSeed(bad)).toThrow(RangeError);
  });

  it('mixes as lowbias32', () => {
    expect([0, 1, 0xdeadbeef, 0xffffffff].map(mix32)).toEqual([
      0x00000000, 0x688990c0, 0xe628c683, 0x6768824a,
    ]);
  });

  it('matches the pinned known answers', () => {
    const seed = parseSeed(SEED);
    expect(matrixKey(seed, MATRIX_A)).toBe(0x1ce70934);
    expect(matrixKey(seed, MATRIX_B)).toBe(0x69c2ba54);
    const cells: [number, number][] = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1000, 77],
    ];
    expect(cells.map(([i, j]) => entryBits(0x1ce70934, i, j))).toEqual([
      0xdb3e194b, 0x6b315fca, 0x95b0f27e, 0x27d61937,
    ]);
    expect(cells.map(([i, j]) => entryBits(0x69c2ba54, i, j))).toEqual([
      0x7e7e6045, 0xdd9fc33c, 0xe8815c2f, 0xa342d0ef,
    ]);
    expect(cells.map(([i, j]) => entryValue(seed, MATRIX_A, i, j) * 64)).toEqual([45, -11, 10, -45]);
    expect(cells.map(([i, j]) => entryValue(seed, MATRIX_B, i, j) * 64)).toEqual([-1, 46, 52, 17]);
  });

  it('is deterministic, and whole matrices, row ranges and single entries agree', () => {
    const seed = parseSeed(SEED);
    const a = generateMatrix(seed, MATRIX_A, 37, 53);
    expect(generateMatrix(seed, MATRIX_A, 37, 53)).toEqual(a);
    expect(generateMatrix(seed, MATRIX_A, 37, 53, { rowStart: 11, rowCount: 5 })).toEqual(
      a.subarray(11 * 53, 16 * 53),
    );
    const numerators = generateNumerators(seed, MATRIX_A, 37, 53);
    for (let i = 0; i < 37; i += 7) {
      for (let j = 0; j < 53; j += 5) {
        expect(a[i * 53 + j]).toBe(entryValue(seed, MATRIX_A, i, j));
        expect(numerators[i * 53 + j]).toBe(a[i * 53 + j]! * 64);
      }
    }
    expect(generateMatrix(seed, MATRIX_B, 37, 53)).not.toEqual(a);
    expect(generateMatrix(parseSeed('1' + SEED.slice(1)), MATRIX_A, 37, 53)).not.toEqual(a);
  });

  it('gives the same numerators for chosen rows, and for chosen columns transposed', () => {
    const seed = parseSeed(SEED);
    const whole = generateNumerators(seed, MATRIX_B, 20, 30);
    expect(generateRowNumerators(seed, MATRIX_B, 30, [7, 2, 19])).toEqual(
      Int8Array.from([7, 2, 19].flatMap((i) => Array.from(whole.subarray(i * 30, (i + 1) * 30)))),
    );
    const columns = [29, 0, 13];
    const transposed = generateNumeratorsTransposed(seed, MATRIX_B, 20, 30, columns);
    columns.forEach((j, c) => {
      for (let i = 0; i < 20; i++) expect(transposed[c * 20 + i]).toBe(whole[i * 30 + j]);
    });
    expect(generateNumeratorsTransposed(seed, MATRIX_B, 20, 30)).toHaveLength(600);
    expect(() => generateNumeratorsTransposed(seed, MATRIX_B, 20, 30, [30])).toThrow(RangeError);
  });

  it('gives multiples of 1/64 in [-1, 1), exact in f16, every value about equally often', () => {
    const values = generateMatrix(parseSeed(SEED), MATRIX_B, 256, 256);
    const counts = new Map<number, number>();
    for (const v of values) {
      const q = v * 64;
      expect(Number.isInteger(q) && q >= -64 && q <= 63).toBe(true);
      counts.set(q, (counts.get(q) ?? 0) + 1);
    }
    // 11 significant bits suffice for q/64 with |q| ≤ 64: f16 holds every value exactly.
    expect(counts.size).toBe(128);
    const expected = values.length / 128;
    for (const c of counts.values()) expect(Math.abs(c - expected)).toBeLessThan(6 * Math.sqrt(expected));
  });

  it('exports the same generator in WGSL', () => {
    expect(PRNG_WGSL).toContain('0x7feb352du');
    expect(PRNG_WGSL).toContain('0x846ca68bu');
    expect(PRNG_WGSL).toContain('0x9e3779b9u');
    expect(PRNG_WGSL).toContain('0x85ebca6bu');
    expect(prngFillShader('f16')).toMatch(/^enable f16;/);
    expect(prngFillShader('u32')).toContain('array<u32>');
  });
});
