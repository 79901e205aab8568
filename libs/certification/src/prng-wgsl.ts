/**
 * The generator of `prng.ts` in WGSL, for the worker to generate A and B on the GPU. WGSL's u32
 * arithmetic wraps modulo 2^32 like Math.imul / `>>> 0`, and shifts by less than 32 behave alike,
 * so the same steps give the same bits (the worker's integration test compares them).
 */
import { COLUMN_SALT, KEY_SALT, VALUE_SCALE } from './prng';

const hex = (x: number) => `0x${x.toString(16).padStart(8, '0')}u`;

/** The generator's functions: mix32, matrix_key, entry_bits, entry_value. */
export const PRNG_WGSL = /* wgsl */ `
fn mix32(x0: u32) -> u32 {
  var x = x0;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}

fn matrix_key(seed: vec4u, matrix: u32) -> u32 {
  var k = mix32(matrix ^ ${hex(KEY_SALT)});
  k = mix32(k ^ seed.x);
  k = mix32(k ^ seed.y);
  k = mix32(k ^ seed.z);
  k = mix32(k ^ seed.w);
  return k;
}

fn entry_bits(key: u32, row: u32, col: u32) -> u32 {
  return mix32(mix32(key ^ row) ^ mix32(col ^ ${hex(COLUMN_SALT)}));
}

// Exact: an integer in [-64, 63] divided by a power of two.
fn entry_value(bits: u32) -> f32 {
  return f32(i32(bits >> 25u) - 64) / ${VALUE_SCALE}.0;
}
`;

/** What a fill shader writes: the entries as f32 or f16, or the raw 32 bits (for tests). */
export type PrngOutput = 'f32' | 'f16' | 'u32';

/**
 * Layout of the fill shader's uniform buffer (32 bytes): seed words s0..s3, then the matrix id
 * (0 = A, 1 = B), the number of rows generated, cols, and the index of the first of those rows.
 */
export const PRNG_PARAMS_BYTES = 32;

export function prngParams(
  seed: readonly [number, number, number, number],
  matrix: number,
  rowCount: number,
  cols: number,
  rowStart = 0,
): Uint32Array {
  return Uint32Array.from([seed[0], seed[1], seed[2], seed[3], matrix, rowCount, cols, rowStart]);
}

/** Workgroup size of the fill shader: 16×16 invocations (x over columns, y over rows). */
export const PRNG_WORKGROUP = 16;
/** Each invocation of the fill shader writes a block of PRNG_BLOCK×PRNG_BLOCK entries. */
export const PRNG_BLOCK = 4;

/** The fill shader's dispatch for rowCount×cols entries: [x (columns), y (rows)]. */
export function prngDispatch(rowCount: number, cols: number): [number, number] {
  const span = PRNG_WORKGROUP * PRNG_BLOCK;
  return [Math.ceil(cols / span), Math.ceil(rowCount / span)];
}

/**
 * A compute shader (entry point `main`) that fills `out` (binding 1, row-major rowCount×cols) with
 * rows rowStart… of one matrix; dispatch `prngDispatch(rowCount, cols)`. `f16` needs the device
 * feature 'shader-f16'.
 *
 * The same bits as `entry_bits`, for less work: bits(i, j) = mix32(r(i) ^ c(j)) with
 * r(i) = mix32(key ^ i) and c(j) = mix32(j ^ COLUMN_SALT), so an invocation that writes a 4×4
 * block computes the matrix key once, 4 row terms and 4 column terms, then one mix32 per entry
 * (1.8 mix32 per entry instead of 8: the generation is a small share of a challenge's product).
 */
export function prngFillShader(output: PrngOutput = 'f32'): string {
  const element = output === 'u32' ? 'u32' : output;
  const store = output === 'u32' ? 'bits' : output === 'f16' ? 'f16(entry_value(bits))' : 'entry_value(bits)';
  return /* wgsl */ `${output === 'f16' ? 'enable f16;\n' : ''}${PRNG_WGSL}
struct PrngParams {
  seed: vec4u,
  matrix: u32,
  rows: u32,
  cols: u32,
  row_start: u32,
}
@group(0) @binding(0) var<uniform> params: PrngParams;
@group(0) @binding(1) var<storage, read_write> out: array<${element}>;

const BLOCK = ${PRNG_BLOCK}u;

@compute @workgroup_size(${PRNG_WORKGROUP}, ${PRNG_WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3u) {
  let col0 = id.x * BLOCK;
  let row0 = id.y * BLOCK;
  if (col0 >= params.cols || row0 >= params.rows) {
    return;
  }
  let key = matrix_key(params.seed, params.matrix);
  var col_terms: array<u32, ${PRNG_BLOCK}>;
  for (var c = 0u; c < BLOCK; c++) {
    col_terms[c] = mix32((col0 + c) ^ ${hex(COLUMN_SALT)});
  }
  for (var r = 0u; r < BLOCK; r++) {
    let row = row0 + r;
    if (row >= params.rows) {
      break;
    }
    let row_term = mix32(key ^ (params.row_start + row));
    for (var c = 0u; c < BLOCK; c++) {
      let col = col0 + c;
      if (col >= params.cols) {
        break;
      }
      let bits = mix32(row_term ^ col_terms[c]);
      out[row * params.cols + col] = ${store};
    }
  }
}
`;
}
