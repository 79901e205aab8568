/**
 * The kernel family the autotuner chooses from, per precision. On CPU implementations (lavapipe)
 * big register blocks fed from textures in small workgroups win: every storage-buffer load there
 * is a bounds-checked scalar load per element and lane (textures are one vector gather per lane),
 * barriers are coroutine switches, and small workgroups balance better over a few threads. The
 * workgroup-memory and 64-invocation variants are for real GPUs, where they usually win.
 */
import { MatmulParams, MatmulSource, Precision, variantName } from './wgsl';

type Shape = Omit<MatmulParams, 'precision' | 'accumulate'>;
const shape = (
  source: MatmulSource,
  rows: number,
  cols: number,
  wgX: number,
  wgY: number,
  aVec4: boolean,
  tileK = 0,
  unroll = 1,
): Shape => ({
  source,
  rows,
  cols,
  wgX,
  wgY,
  aVec4,
  unroll,
  tileK,
});
const f32 = (s: Shape): MatmulParams => ({ precision: 'f32', accumulate: 'f32', ...s });
const f16 = (s: Shape, accumulate: Precision = 'f16'): MatmulParams => ({
  precision: 'f16',
  accumulate,
  ...s,
});

const PLAIN_4X4 = shape('buffer', 4, 4, 8, 8, false); // the plain register block: the baseline
const BUFFER_8X4 = shape('buffer', 8, 4, 8, 8, true);
const TILED_4X8 = shape('buffer', 4, 8, 8, 8, false, 32); // 32×64 workgroup tiles, depth 32
const TEXTURE_8X8 = shape('texture', 8, 8, 8, 8, true);
const TEXTURE_8X16_SMALL = shape('texture', 8, 16, 8, 1, true);
const TEXTURE_16X16_SMALL = shape('texture', 16, 16, 8, 1, true);
// GPU-shaped: 256 invocations of 8×8 outputs each, a 128×128 tile of C per workgroup, A and B
// staged through workgroup memory (8 and 16 KiB at depth 8 and 16, in f32): the shape fast SGEMMs
// take on discrete GPUs. On CPUs they lose, and the tuner leaves them after their warm-up.
const GPU_128X128_K8 = shape('buffer', 8, 8, 16, 16, true, 8);
const GPU_128X128_K16 = shape('buffer', 8, 8, 16, 16, true, 16);
// The same tiles double-buffered (16 KiB of workgroup memory at depth 8 in f32, and at depth 16
// in f16); and 64×64 tiles of 64 invocations at depth 16, double-buffered (16 KiB in f32).
const staged = (s: Shape): Shape => ({ ...s, doubleBuffer: true });
const GPU_128X128_K8_DB = staged(GPU_128X128_K8);
const GPU_128X128_K16_DB = staged(GPU_128X128_K16);
const STAGED_64X64_K16 = staged(shape('buffer', 8, 8, 8, 8, true, 16));
// Subgroup variants: a workgroup of 64 lanes on the same 8 rows, sharing A by shuffles.
const subgroup = (s: Shape): Shape => ({ ...s, subgroups: true });
const SUBGROUP_8X8 = subgroup(shape('buffer', 8, 8, 64, 1, true));

export const VARIANTS: Record<Precision, MatmulParams[]> = {
  f32: [
    PLAIN_4X4,
    shape('buffer', 4, 8, 8, 8, true),
    BUFFER_8X4,
    shape('buffer', 8, 8, 8, 8, true),
    shape('buffer', 4, 4, 16, 16, false, 16), // 64×64 workgroup tiles, depth 16
    TILED_4X8,
    TEXTURE_8X8,
    TEXTURE_8X16_SMALL,
    TEXTURE_16X16_SMALL,
    shape('texture', 16, 16, 8, 8, true),
    GPU_128X128_K8,
    GPU_128X128_K16,
    GPU_128X128_K8_DB,
    STAGED_64X64_K16,
    SUBGROUP_8X8,
  ].map(f32),
  // Fewer f16 shapes: every variant costs compile and tuning time, and where f16 arithmetic is
  // emulated (CPUs) the f32-accumulating ones win by far.
  f16: [
    f16(PLAIN_4X4),
    f16(BUFFER_8X4),
    f16(TILED_4X8),
    f16(TEXTURE_8X8),
    f16(BUFFER_8X4, 'f32'),
    f16(TEXTURE_8X8, 'f32'),
    f16(TEXTURE_8X16_SMALL, 'f32'),
    f16(TEXTURE_16X16_SMALL, 'f32'),
    f16(GPU_128X128_K16, 'f32'),
    f16(GPU_128X128_K16_DB, 'f32'),
    f16(SUBGROUP_8X8, 'f32'),
  ],
};

/**
 * The f16 variants certification can use: f16 data accumulated in f32 (tolerance.ts's f16 tier;
 * an f16 accumulation's rounding is as large as what the check must see). The `benchmark`
 * command's f16 figure and the f16 challenges' kernel are both tuned among these, under this tier's
 * own cache key, so the figure a provider sees is one its challenges can deliver.
 */
export const F16_CERTIFIED_TIER = 'acc32';
export const F16_CERTIFIED_VARIANTS = VARIANTS.f16.filter((v) => v.accumulate === 'f32');

/** Used when nothing was tuned: a buffer variant, safe on every adapter and for any size. */
export const DEFAULT_VARIANTS: Record<Precision, MatmulParams> = {
  f32: f32(BUFFER_8X4),
  f16: f16(BUFFER_8X4),
};

/**
 * The GPU-shaped variants: not tuned on a software adapter (lavapipe), where each would cost
 * seconds of warm-up to lose (their correctness is still tested there, at ragged sizes).
 */
export function gpuShaped(p: Pick<MatmulParams, 'wgX' | 'wgY' | 'rows' | 'cols'>): boolean {
  return p.wgX * p.wgY >= 256 && p.rows * p.cols >= 64;
}

export function findVariant(name: string): MatmulParams | undefined {
  return [...VARIANTS.f32, ...VARIANTS.f16].find((p) => variantName(p) === name);
}
