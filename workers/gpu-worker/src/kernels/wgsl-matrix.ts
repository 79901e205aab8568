/**
 * The subgroup-matrix kernel (`subgroupMatrix`): f16 A and B multiplied on the GPU's matrix units
 * (tensor cores) through Dawn's `chromium-experimental-subgroup-matrix`, with f32 results, so it
 * belongs to the f16 tier that accumulates in f32 (the `acc32` kernels). C is stored as f16, as the
 * other acc32 kernels store it.
 *
 * One subgroup per workgroup (wgX is the adapter's subgroup size, which must not vary): it keeps
 * tilesM × tilesN result matrices of the adapter's m×n shape, a (tilesM·m) × (tilesN·n) block of C.
 * Each step along K, the workgroup copies a block of A (tilesM·m × k) and of B (k × tilesN·n) into
 * workgroup memory, zero outside the matrices, so any M, N and K works; the subgroup loads its
 * left and right matrices from there and multiply-accumulates. With `direct`, a workgroup whose
 * block lies wholly inside C (K a multiple of k, N of 8) loads them straight from the storage
 * buffers instead, the caches doing the reuse: on an H200 that took the f16 product from 6 to 72
 * TFLOP/s (bench/README.md). The results go one at a time through workgroup memory to
 * bounds-checked f16 stores. Matrix operations run in uniform control flow only (the choice
 * between the paths is the workgroup's), and their offsets must be uniform too (a workgroup of
 * several subgroups, each at its own offset, is wgsl-matrix-cooperative.ts).
 *
 * Written to Dawn's subgroup-matrix builtins of the npm `webgpu` 0.6 binding: column count before
 * row count in the matrix types, and the majorness as a template argument,
 * `subgroupMatrixLoad<T, row_major>(pointer, offset, stride)` and
 * `subgroupMatrixStore<row_major>(pointer, offset, matrix, stride)`. The form with a col_major
 * argument compiles too, with a deprecation warning for every call that Dawn prints on stdout
 * (hundreds of lines before a `--json` answer on an H200). Every shape compiles in Dawn's own
 * front end in subgroup-matrix.int-spec.ts, and no kernel is trusted before the autotuner's
 * float64 and Freivalds checks pass on the adapter.
 */
import { range } from './wgsl-parts';
import type { MatmulParams, SubgroupMatrixShape } from './wgsl-params';

/**
 * A subgroup's matrices, as both subgroup-matrix kernels write them: the indexes of its tilesM
 * left and tilesN right matrices, their WGSL types (columns before rows), and one line per result.
 */
export function subgroupMatrices(sm: SubgroupMatrixShape) {
  const I = range(sm.tilesM);
  const J = range(sm.tilesN);
  return {
    I,
    J,
    left: `subgroup_matrix_left<f16, ${sm.k}, ${sm.m}>`,
    right: `subgroup_matrix_right<f16, ${sm.n}, ${sm.k}>`,
    result: `subgroup_matrix_result<f32, ${sm.n}, ${sm.m}>`,
    each: (f: (i: number, j: number) => string) => I.flatMap((i) => J.map((j) => f(i, j))).join('\n'),
  };
}

export function matrixKernel(p: MatmulParams & { subgroupMatrix: SubgroupMatrixShape }): string {
  const sm = p.subgroupMatrix;
  const BM = sm.tilesM * sm.m;
  const BN = sm.tilesN * sm.n;
  const BK = sm.k;
  const W = p.wgX;
  const MN = sm.m * sm.n;
  const { I, J, left, right, result, each } = subgroupMatrices(sm);
  const multiply = each(
    (i, j) => `      acc_${i}_${j} = subgroupMatrixMultiplyAccumulate(left${i}, right${j}, acc_${i}_${j});`,
  );
  const staged = `    for (var t = 0u; t < dims.K; t += ${BK}u) {
      for (var e = li; e < ${BM * BK}u; e += ${W}u) {
        let r = row0 + e / ${BK}u;
        let k = t + e % ${BK}u;
        var v = f16(0.0);
        if (r < dims.M && k < dims.K) { v = a[r * dims.K + k]; }
        tileA[e] = v;
      }
      for (var e = li; e < ${BK * BN}u; e += ${W}u) {
        let k = t + e / ${BN}u;
        let col = col0 + e % ${BN}u;
        var v = f16(0.0);
        if (k < dims.K && col < dims.N) { v = b[k * dims.N + col]; }
        tileB[e] = v;
      }
      workgroupBarrier();
${I.map((i) => `      let left${i} = subgroupMatrixLoad<${left}, row_major>(&tileA, ${i * sm.m * BK}u, ${BK}u);`).join('\n')}
${J.map((j) => `      let right${j} = subgroupMatrixLoad<${right}, row_major>(&tileB, ${j * sm.n}u, ${BN}u);`).join('\n')}
${multiply}
      workgroupBarrier();
    }`;
  const direct = `    for (var t = 0u; t < dims.K; t += ${BK}u) {
${I.map((i) => `      let left${i} = subgroupMatrixLoad<${left}, row_major>(&a, (row0 + ${i * sm.m}u) * dims.K + t, dims.K);`).join('\n')}
${J.map((j) => `      let right${j} = subgroupMatrixLoad<${right}, row_major>(&b, t * dims.N + col0 + ${j * sm.n}u, dims.N);`).join('\n')}
${multiply}
    }`;
  return `enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;
struct Dims { M: u32, N: u32, K: u32, pad: u32 }
@group(0) @binding(0) var<storage, read> a: array<f16>;
@group(0) @binding(1) var<storage, read> b: array<f16>;
@group(0) @binding(2) var<storage, read_write> c: array<f16>;
@group(0) @binding(3) var<uniform> dims: Dims;
var<workgroup> tileA: array<f16, ${BM * BK}>;
var<workgroup> tileB: array<f16, ${BK * BN}>;
var<workgroup> tileC: array<f32, ${MN}>;

@compute @workgroup_size(${W}, 1)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wid.y * ${BM}u;
  let col0 = wid.x * ${BN}u;
${each((i, j) => `  var acc_${i}_${j} = ${result}();`)}
${
  sm.direct
    ? `  let whole = row0 + ${BM}u <= dims.M && col0 + ${BN}u <= dims.N && dims.K % ${BK}u == 0u && dims.N % 8u == 0u;
  if (whole) {
${direct}
  } else {
${staged}
  }`
    : `  {
${staged}
  }`
}
  // Each result through an m×n of workgroup memory to bounds-checked f16 stores.
${each(
  (i, j) => `  subgroupMatrixStore<row_major>(&tileC, 0u, acc_${i}_${j}, ${sm.n}u);
  workgroupBarrier();
  for (var e = li; e < ${MN}u; e += ${W}u) {
    let r = row0 + ${i * sm.m}u + e / ${sm.n}u;
    let col = col0 + ${j * sm.n}u + e % ${sm.n}u;
    if (r < dims.M && col < dims.N) { c[r * dims.N + col] = f16(tileC[e]); }
  }
  workgroupBarrier();`,
)}
}
`;
}
