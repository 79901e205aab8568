/* eslint-disable @typescript-eslint/no-non-null-assertion -- the generation loops index typed arrays
   within their bounds: a fallback per access would cost in the verifier's hottest loops. */
/**
 * The challenge's matrix generator, version 1. This comment is the specification: the GPU worker
 * (WGSL, `prng-wgsl.ts`) and the verifier (this file) implement it bit for bit, and known-answer
 * tests pin it. Any change to it is a new protocol version.
 *
 * All arithmetic is on unsigned 32-bit integers modulo 2^32 (WGSL `u32`; JavaScript `Math.imul`
 * and `>>> 0`): no 64-bit product is needed anywhere.
 *
 *   mix32(x)      = lowbias32 (C. Wellons, hash-prospector), a bijection on u32:
 *                   x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16
 *   seed          = 128 bits written as 32 hex digits; words s0..s3 are the big-endian u32 values
 *                   of digits [0,8), [8,16), [16,24), [24,32)
 *   key(m)        = mix32(mix32(mix32(mix32(mix32(m ^ 0x9e3779b9) ^ s0) ^ s1) ^ s2) ^ s3)
 *                   with m = 0 for A and m = 1 for B
 *   bits(m, i, j) = mix32(mix32(key(m) ^ i) ^ mix32(j ^ 0x85ebca6b))      (i: row, j: column)
 *   value         = ((bits >> 25) - 64) / 64, one of {-1, -63/64, …, 62/64, 63/64}
 *   A[i][k] = value(0, i, k) (M×K), B[k][j] = value(1, k, j) (K×N), both row-major.
 *
 * Why these values: multiples of 1/64 in [-1, 1) are exact in f16 and f32, so both sides hold the
 * same numbers whatever the storage precision. A product is a multiple of 2^-12 of magnitude at most
 * 1, so every partial sum of a K-long dot product is a multiple of 2^-12 of magnitude at most K:
 * for K ≤ 4096 an f32 accumulation (any order, with or without FMA) is exact. An honest f32 result
 * then equals the verifier's exactly, and the tolerances of `tolerance.ts` are pure margin.
 * Why a hash per element: any row or element can be regenerated alone (the verifier recomputes the
 * opened rows without the rest of A), and the entries have no structure that would make A·B
 * cheaper than a matrix product. The 7 bits used per entry come from a full-avalanche hash of a
 * 128-bit seed, so a worker cannot know them before the challenge.
 */

/** Which matrix of the product an entry belongs to. */
export const MATRIX_A = 0;
export const MATRIX_B = 1;
/** A matrix's number under the seed, a u32: which two a product multiplies is products.ts's rule. */
export type MatrixId = number;

/** Entries are integers in [-64, 63] divided by this. */
export const VALUE_SCALE = 64;
export const KEY_SALT = 0x9e3779b9;
export const COLUMN_SALT = 0x85ebca6b;
export const SEED_HEX_DIGITS = 32;

/** The 128-bit seed as four u32 words (s0..s3). */
export type SeedWords = readonly [number, number, number, number];

const SEED_PATTERN = /^[0-9a-f]{32}$/;

export function isSeed(seed: unknown): seed is string {
  return typeof seed === 'string' && SEED_PATTERN.test(seed);
}

/** Parses a seed of 32 lowercase hex digits into its four big-endian u32 words. */
export function parseSeed(seed: string): SeedWords {
  if (!isSeed(seed))
    throw new RangeError(`a seed is ${SEED_HEX_DIGITS} lowercase hex digits, got ${JSON.stringify(seed)}`);
  const word = (w: number) => Number.parseInt(seed.slice(8 * w, 8 * w + 8), 16) >>> 0;
  return [word(0), word(1), word(2), word(3)];
}

/** lowbias32: the spec's mixing function. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export function matrixKey(seed: SeedWords, matrix: MatrixId): number {
  let k = mix32((matrix ^ KEY_SALT) >>> 0);
  for (const s of seed) k = mix32((k ^ s) >>> 0);
  return k;
}

/** The 32 random bits of entry (row, col) of a matrix whose key is `key`. */
export function entryBits(key: number, row: number, col: number): number {
  return mix32((mix32((key ^ row) >>> 0) ^ mix32((col ^ COLUMN_SALT) >>> 0)) >>> 0);
}

/** The entry's numerator: an integer in [-64, 63]; the entry is it divided by VALUE_SCALE. */
export function bitsToNumerator(bits: number): number {
  return (bits >>> 25) - 64;
}

export function entryValue(seed: SeedWords, matrix: MatrixId, row: number, col: number): number {
  return bitsToNumerator(entryBits(matrixKey(seed, matrix), row, col)) / VALUE_SCALE;
}

/** mix32(j ^ COLUMN_SALT) for j < cols: the per-column half of every entry, shared by all rows. */
function columnMixes(cols: number): Uint32Array {
  const out = new Uint32Array(cols);
  for (let j = 0; j < cols; j++) out[j] = mix32((j ^ COLUMN_SALT) >>> 0);
  return out;
}

export interface RowRange {
  /** First row generated (default 0). */
  rowStart?: number;
  /** How many rows (default: all the rest). */
  rowCount?: number;
}

function fill<T extends Int8Array | Float32Array>(
  out: T,
  seed: SeedWords,
  matrix: MatrixId,
  rows: number,
  cols: number,
  range: RowRange,
  scale: number,
): T {
  const rowStart = range.rowStart ?? 0;
  const rowCount = range.rowCount ?? rows - rowStart;
  if (!(rowStart >= 0 && rowCount >= 0 && rowStart + rowCount <= rows))
    throw new RangeError(`rows [${rowStart}, ${rowStart + rowCount}) outside 0..${rows}`);
  const key = matrixKey(seed, matrix);
  const colMix = columnMixes(cols);
  for (let r = 0; r < rowCount; r++) {
    const rowMix = mix32((key ^ (rowStart + r)) >>> 0);
    const base = r * cols;
    for (let j = 0; j < cols; j++) {
      // mix32 inlined: this loop is most of the verifier's generation time.
      let x = rowMix ^ colMix[j]!;
      x ^= x >>> 16;
      x = Math.imul(x, 0x7feb352d);
      x ^= x >>> 15;
      x = Math.imul(x, 0x846ca68b);
      x ^= x >>> 16;
      out[base + j] = ((x >>> 25) - 64) / scale;
    }
  }
  return out;
}

/** mix32 of one entry from its row's and column's halves, then its numerator. */
function numerator(rowMix: number, colMix: number): number {
  let x = rowMix ^ colMix;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return (x >>> 25) - 64;
}

/**
 * Columns of a rows×cols matrix as numerators, transposed: out[c·rows + i] is the numerator of entry
 * (i, columns[c]); all columns by default. The layout in which the verifier's dot products with B's
 * columns run contiguously.
 */
export function generateNumeratorsTransposed(
  seed: SeedWords,
  matrix: MatrixId,
  rows: number,
  cols: number,
  columns?: readonly number[],
): Int8Array {
  const count = columns ? columns.length : cols;
  const out = new Int8Array(rows * count);
  const key = matrixKey(seed, matrix);
  const rowMix = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) rowMix[i] = mix32((key ^ i) >>> 0);
  for (let c = 0; c < count; c++) {
    const j = columns ? (columns[c] ?? -1) : c;
    if (!(j >= 0 && j < cols)) throw new RangeError(`column ${j} outside 0..${cols - 1}`);
    const cm = mix32((j ^ COLUMN_SALT) >>> 0);
    const base = c * rows;
    for (let i = 0; i < rows; i++) out[base + i] = numerator(rowMix[i]!, cm);
  }
  return out;
}

/** Selected rows of a matrix with `cols` columns as numerators, row-major in the order given. */
export function generateRowNumerators(
  seed: SeedWords,
  matrix: MatrixId,
  cols: number,
  rows: readonly number[],
): Int8Array {
  const out = new Int8Array(rows.length * cols);
  const key = matrixKey(seed, matrix);
  const colMix = columnMixes(cols);
  rows.forEach((i, r) => {
    const rowMix = mix32((key ^ i) >>> 0);
    for (let j = 0; j < cols; j++) out[r * cols + j] = numerator(rowMix, colMix[j]!);
  });
  return out;
}

/** Rows of a rows×cols matrix as f32 values, row-major (exactly the worker's buffer contents). */
export function generateMatrix(
  seed: SeedWords,
  matrix: MatrixId,
  rows: number,
  cols: number,
  range: RowRange = {},
): Float32Array {
  const count = range.rowCount ?? rows - (range.rowStart ?? 0);
  return fill(new Float32Array(Math.max(0, count) * cols), seed, matrix, rows, cols, range, VALUE_SCALE);
}

/** The same rows as integer numerators in [-64, 63] (value × 64): the verifier's compact form. */
export function generateNumerators(
  seed: SeedWords,
  matrix: MatrixId,
  rows: number,
  cols: number,
  range: RowRange = {},
): Int8Array {
  const count = range.rowCount ?? rows - (range.rowStart ?? 0);
  return fill(new Int8Array(Math.max(0, count) * cols), seed, matrix, rows, cols, range, 1);
}
