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
 * left and right matrices from there and multiply-accumulates. The results go through workgroup
 * memory to bounds-checked stores. Matrix operations run in uniform control flow only.
 *
 * Written to Dawn's subgroup-matrix builtins of the npm `webgpu` 0.6 binding (column count before
 * row count in the matrix types; `subgroupMatrixLoad(pointer, offset, colMajor, stride)`), and
 * never trusted before the autotuner's float64 and Freivalds checks pass on the adapter.
 */
import { range } from './wgsl-parts';
import type { MatmulParams, SubgroupMatrixShape } from './wgsl-params';

export function matrixKernel(p: MatmulParams & { subgroupMatrix: SubgroupMatrixShape }): string {
  const sm = p.subgroupMatrix;
  const BM = sm.tilesM * sm.m;
  const BN = sm.tilesN * sm.n;
  const BK = sm.k;
  const W = p.wgX;
  const I = range(sm.tilesM);
  const J = range(sm.tilesN);
  const result = `subgroup_matrix_result<f32, ${sm.n}, ${sm.m}>`;
  const each = (f: (i: number, j: number) => string) => I.flatMap((i) => J.map((j) => f(i, j))).join('\n');
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
var<workgroup> tileC: array<f32, ${BM * BN}>;

@compute @workgroup_size(${W}, 1)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wid.y * ${BM}u;
  let col0 = wid.x * ${BN}u;
${each((i, j) => `  var acc_${i}_${j} = ${result}();`)}
  for (var t = 0u; t < dims.K; t += ${BK}u) {
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
${I.map((i) => `    let left${i} = subgroupMatrixLoad<subgroup_matrix_left<f16, ${sm.k}, ${sm.m}>>(&tileA, ${i * sm.m * BK}u, false, ${BK}u);`).join('\n')}
${J.map((j) => `    let right${j} = subgroupMatrixLoad<subgroup_matrix_right<f16, ${sm.n}, ${sm.k}>>(&tileB, ${j * sm.n}u, false, ${BN}u);`).join('\n')}
${each((i, j) => `    acc_${i}_${j} = subgroupMatrixMultiplyAccumulate(left${i}, right${j}, acc_${i}_${j});`)}
    workgroupBarrier();
  }
${each((i, j) => `  subgroupMatrixStore(&tileC, ${i * sm.m * BN + j * sm.n}u, acc_${i}_${j}, false, ${BN}u);`)}
  workgroupBarrier();
  for (var e = li; e < ${BM * BN}u; e += ${W}u) {
    let r = row0 + e / ${BN}u;
    let col = col0 + e % ${BN}u;
    if (r < dims.M && col < dims.N) { c[r * dims.N + col] = f16(tileC[e]); }
  }
}
`;
}
