/**
 * The parameters of a matmul kernel variant, their validation and their names. Pure.
 *
 * Each invocation computes a `rows`×`cols` block of C = A·B in registers (vec4 accumulators
 * along N). Where A and B are read from:
 *  - `buffer`: straight from the storage buffers, or, with `tileK > 0`, through tiles of depth
 *    `tileK` staged in workgroup memory between barriers (the classic GPU kernel).
 *  - `texture`: A and B are first repacked into rgba textures (one texel = 4 consecutive
 *    elements, zero-padded), then read as read-only storage textures. On CPU implementations
 *    (lavapipe) a texel load is one vector gather per lane, where a storage-buffer load is a
 *    bounds-checked scalar load per element and lane, unrolled into a lot of code.
 */

export type Precision = 'f32' | 'f16';
/** `vec4`: the shapes allow 16-byte loads and stores (see pathFor); `scalar`: any shape. */
export type MatmulPath = 'vec4' | 'scalar';
export type MatmulSource = 'buffer' | 'texture';

export interface MatmulParams {
  /** Type of A, B and C in memory. */
  precision: Precision;
  /**
   * Type of the multiply-adds and accumulators: the precision, or f32 for f16 data (fewer rounding
   * errors; and the faster choice where f16 arithmetic is emulated, as on CPUs).
   */
  accumulate: Precision;
  source: MatmulSource;
  /** Output rows per invocation (register block height), 1–16. */
  rows: number;
  /** Output columns per invocation, a multiple of 4 up to 16 (vec4 accumulators). */
  cols: number;
  /** Workgroup size along N (x) and M (y). */
  wgX: number;
  wgY: number;
  /** Read A as vec4 along K (four k-steps per load) in the vec4 path; always so from textures. */
  aVec4: boolean;
  /** Copies of the k-step body per loop iteration (a remainder loop finishes K). */
  unroll: number;
  /** Depth of the workgroup-memory tiles along K; 0 = none. Buffer source only. */
  tileK: number;
  /**
   * Two stages of workgroup memory (needs tileK): each invocation loads its share of the next tile
   * into registers while the workgroup multiplies the current one, one barrier per tile; A is
   * stored transposed there, so an invocation reads its rows of A as vec4s. Absent: false.
   */
  doubleBuffer?: boolean;
  /**
   * Lanes of a subgroup share A by `subgroupShuffle` instead of each loading it (needs the adapter's
   * `subgroups` feature, a buffer source, no tiles and wgY 1, so every lane of a workgroup works on
   * the same rows). Absent: false.
   */
  subgroups?: boolean;
  /**
   * Subgroup matrices (the GPU's matrix units: `chromium-experimental-subgroup-matrix`, behind
   * Dawn's allow_unsafe_apis toggle): one of the adapter's m×n×k configurations with f16 inputs
   * and f32 results, and the tilesM × tilesN result matrices one subgroup keeps. f16 data, f32
   * accumulation, a buffer source, no register block (rows 1, cols 4), one subgroup per workgroup
   * (wgX = the adapter's fixed subgroup size, wgY 1). Absent: none. See wgsl-matrix.ts.
   */
  subgroupMatrix?: SubgroupMatrixShape;
}

export interface SubgroupMatrixShape {
  m: number;
  n: number;
  k: number;
  tilesM: number;
  tilesN: number;
  /**
   * A workgroup whose block lies wholly inside C, with K a multiple of k and N of 8, loads its
   * matrices straight from the storage buffers (the caches do the reuse) instead of staging them
   * through workgroup memory; the others stage them, zero-padded. Absent: false.
   */
  direct?: boolean;
  /**
   * A workgroup of subgroupsM × subgroupsN subgroups that stage A and B together through workgroup
   * memory, stageK k-steps at a time, prefetching the next stage into registers when `prefetch`
   * (wgsl-matrix-cooperative.ts): subgroupsM and subgroupsN 1, 2 or 4, stageK 1, 2 or 4, all four
   * given together, not with `direct`. Absent: one subgroup per workgroup (wgsl-matrix.ts).
   */
  subgroupsM?: number;
  subgroupsN?: number;
  stageK?: number;
  prefetch?: boolean;
}

/** The subgroups of a subgroup-matrix workgroup: 1 for the one-subgroup kernel. */
export const subgroupsOf = (sm: SubgroupMatrixShape) => (sm.subgroupsM ?? 1) * (sm.subgroupsN ?? 1);

/** A cooperative kernel's halves of padding at the end of each staged row of A and B. */
export const STAGE_PAD = 8;

/** The sizes of a cooperative kernel's blocks (in elements) and its invocations. */
export function cooperativeBlocks(sm: SubgroupMatrixShape, subgroupSize: number) {
  const subgroups = subgroupsOf(sm);
  const BM = (sm.subgroupsM ?? 1) * sm.tilesM * sm.m;
  const BN = (sm.subgroupsN ?? 1) * sm.tilesN * sm.n;
  const BK = (sm.stageK ?? 1) * sm.k;
  return {
    subgroups,
    invocations: subgroups * subgroupSize,
    BM,
    BN,
    BK,
    strideA: BK + STAGE_PAD,
    strideB: BN + STAGE_PAD,
    /** Bytes of workgroup memory: the staged A and B (f16), one m×n f32 result per subgroup. */
    bytes: (BM * (BK + STAGE_PAD) + BK * (BN + STAGE_PAD)) * 2 + subgroups * sm.m * sm.n * 4,
  };
}

/** The block of C one workgroup computes: its rows and columns (the dispatch's unit). */
export function blockOf(p: MatmulParams): { rows: number; cols: number } {
  const sm = p.subgroupMatrix;
  if (sm)
    return { rows: (sm.subgroupsM ?? 1) * sm.tilesM * sm.m, cols: (sm.subgroupsN ?? 1) * sm.tilesN * sm.n };
  return { rows: p.wgY * p.rows, cols: p.wgX * p.cols };
}

/** Bumped whenever generated code changes meaning, so cached autotune choices are re-measured. */
export const GENERATOR_VERSION = 6;

export interface KernelLimits {
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupStorageSize: number;
}
/** WebGPU's guaranteed minimums: a variant within them runs on every adapter. */
export const DEFAULT_LIMITS: KernelLimits = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupStorageSize: 16384,
};
export const NO_LIMITS: KernelLimits = {
  maxComputeInvocationsPerWorkgroup: Infinity,
  maxComputeWorkgroupStorageSize: Infinity,
};

export function variantName(p: MatmulParams): string {
  const sm = p.subgroupMatrix;
  if (sm)
    return (
      `${p.precision}-sm${sm.m}x${sm.n}x${sm.k}-t${sm.tilesM}x${sm.tilesN}` +
      (sm.direct ? '-direct' : '') +
      (sm.subgroupsM !== undefined
        ? `-s${sm.subgroupsM}x${sm.subgroupsN}-k${(sm.stageK ?? 1) * sm.k}` + (sm.prefetch ? '-pf' : '')
        : '') +
      `-wg${p.wgX}-acc${p.accumulate.slice(1)}`
    );
  return (
    `${p.precision}-r${p.rows}x${p.cols}-wg${p.wgX}x${p.wgY}` +
    (p.aVec4 ? '-a4' : '') +
    (p.unroll > 1 ? `-u${p.unroll}` : '') +
    (p.tileK > 0 ? `-smem${p.tileK}` : '') +
    (p.doubleBuffer ? '-db' : '') +
    (p.subgroups ? '-sg' : '') +
    (p.source === 'texture' ? '-tex' : '') +
    (p.accumulate !== p.precision ? `-acc${p.accumulate.slice(1)}` : '')
  );
}

export const bytesPerElement = (precision: Precision) => (precision === 'f16' ? 2 : 4);

export function workgroupMemoryBytes(p: MatmulParams): number {
  const sm = p.subgroupMatrix;
  if (sm) {
    if (sm.subgroupsM !== undefined) return cooperativeBlocks(sm, p.wgX).bytes;
    // The staged blocks of A and B (f16), and one m×n f32 result on its way to C.
    const { rows, cols } = blockOf(p);
    return (rows * sm.k + sm.k * cols) * 2 + sm.m * sm.n * 4;
  }
  if (p.tileK === 0) return 0;
  const stage = (p.wgY * p.rows * p.tileK + p.tileK * p.wgX * p.cols) * bytesPerElement(p.precision);
  return p.doubleBuffer ? 2 * stage : stage;
}

/** Every problem with a parameter object, as sentences; empty when it is a valid variant. */
export function validateParams(p: MatmulParams, limits: KernelLimits = DEFAULT_LIMITS): string[] {
  const problems: string[] = [];
  const int = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  const pow2 = (v: number) => Number.isInteger(v) && v > 0 && (v & (v - 1)) === 0;
  if (p.precision !== 'f32' && p.precision !== 'f16')
    problems.push(`precision must be f32 or f16, not ${String(p.precision)}`);
  if (p.accumulate !== 'f32' && p.accumulate !== p.precision)
    problems.push(
      `accumulate must be f32 or the precision (${String(p.precision)}), not ${String(p.accumulate)}`,
    );
  if (p.source !== 'buffer' && p.source !== 'texture')
    problems.push(`source must be buffer or texture, not ${String(p.source)}`);
  if (!int(p.rows, 1, 16)) problems.push(`rows must be an integer from 1 to 16, not ${p.rows}`);
  if (!int(p.cols, 4, 16) || p.cols % 4 !== 0)
    problems.push(`cols must be 4, 8, 12 or 16 (vec4 accumulators), not ${p.cols}`);
  if (!pow2(p.wgX) || !pow2(p.wgY)) problems.push(`wgX and wgY must be powers of two, not ${p.wgX}x${p.wgY}`);
  else if (p.wgX * p.wgY > limits.maxComputeInvocationsPerWorkgroup)
    problems.push(
      `workgroup ${p.wgX}x${p.wgY} exceeds ${limits.maxComputeInvocationsPerWorkgroup} invocations`,
    );
  if (typeof p.aVec4 !== 'boolean') problems.push('aVec4 must be true or false');
  if (p.unroll !== 1 && p.unroll !== 2 && p.unroll !== 4)
    problems.push(`unroll must be 1, 2 or 4, not ${p.unroll}`);
  if (p.tileK !== 0 && !(pow2(p.tileK) && p.tileK >= 4 && p.tileK <= 64))
    problems.push(`tileK must be 0 or a power of two from 4 to 64, not ${p.tileK}`);
  if (p.tileK !== 0 && p.unroll !== 1)
    problems.push('unroll must be 1 with workgroup-memory tiles (their loop has a constant count)');
  if (p.source === 'texture' && p.tileK !== 0)
    problems.push('texture variants read no workgroup memory: tileK must be 0');
  if (p.source === 'texture' && p.aVec4 !== true)
    problems.push('texture variants read A as texels of four k-steps: aVec4 must be true');
  if (p.doubleBuffer !== undefined && typeof p.doubleBuffer !== 'boolean')
    problems.push('doubleBuffer must be true or false');
  if (p.doubleBuffer && (p.tileK === 0 || p.rows % 4 !== 0))
    problems.push('doubleBuffer needs workgroup-memory tiles (tileK > 0) and rows a multiple of 4');
  if (p.subgroups !== undefined && typeof p.subgroups !== 'boolean')
    problems.push('subgroups must be true or false');
  if (p.subgroups && (p.source !== 'buffer' || p.tileK !== 0 || p.wgY !== 1 || p.accumulate !== 'f32'))
    problems.push('subgroups needs a buffer source, no tiles (tileK 0), wgY 1 and f32 accumulators');
  if (p.subgroupMatrix !== undefined) problems.push(...matrixProblems(p));
  if (
    problems.length === 0 &&
    p.subgroupMatrix &&
    p.wgX * subgroupsOf(p.subgroupMatrix) > limits.maxComputeInvocationsPerWorkgroup
  )
    problems.push(
      `workgroup of ${subgroupsOf(p.subgroupMatrix)} subgroups of ${p.wgX} exceeds ${limits.maxComputeInvocationsPerWorkgroup} invocations`,
    );
  if (problems.length === 0 && workgroupMemoryBytes(p) > limits.maxComputeWorkgroupStorageSize)
    problems.push(
      `workgroup memory ${workgroupMemoryBytes(p)} bytes exceeds ${limits.maxComputeWorkgroupStorageSize}`,
    );
  return problems;
}

/**
 * The code path for an M×K · K×N product: buffers need N and K multiples of 4 for vec4 loads;
 * textures are zero-padded, so only C's vec4 stores need N a multiple of 4.
 */
export function pathFor(p: Pick<MatmulParams, 'source'>, n: number, k: number): MatmulPath {
  if (p.source === 'texture') return n % 4 === 0 ? 'vec4' : 'scalar';
  return n % 4 === 0 && k % 4 === 0 ? 'vec4' : 'scalar';
}

function matrixProblems(p: MatmulParams): string[] {
  const sm = p.subgroupMatrix as Partial<SubgroupMatrixShape> | null;
  const dim = (v: unknown) => v === 8 || v === 16 || v === 32;
  const tiles = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 4;
  if (
    typeof sm !== 'object' ||
    sm === null ||
    ![sm.m, sm.n, sm.k].every(dim) ||
    ![sm.tilesM, sm.tilesN].every(tiles)
  )
    return ['subgroupMatrix needs m, n and k of 8, 16 or 32, and tilesM and tilesN from 1 to 4'];
  if (!(sm.direct === undefined || typeof sm.direct === 'boolean'))
    return ['subgroupMatrix needs direct true or false'];
  const layout = [sm.subgroupsM, sm.subgroupsN, sm.stageK, sm.prefetch];
  if (layout.some((v) => v !== undefined)) {
    const small = (v: unknown) => v === 1 || v === 2 || v === 4;
    if (
      ![sm.subgroupsM, sm.subgroupsN, sm.stageK].every(small) ||
      typeof sm.prefetch !== 'boolean' ||
      sm.direct
    )
      return [
        'subgroupMatrix needs subgroupsM, subgroupsN and stageK of 1, 2 or 4 and prefetch true or false, all four or none, and not with direct',
      ];
  }
  if (
    p.precision !== 'f16' ||
    p.accumulate !== 'f32' ||
    p.source !== 'buffer' ||
    p.tileK !== 0 ||
    p.wgY !== 1 ||
    p.rows !== 1 ||
    p.cols !== 4 ||
    p.subgroups ||
    p.doubleBuffer
  )
    return [
      'subgroupMatrix needs f16 data, f32 accumulators, a buffer source, no tiles, rows 1, cols 4 and wgY 1',
    ];
  return [];
}
