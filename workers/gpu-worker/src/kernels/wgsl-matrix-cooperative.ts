/**
 * The cooperative subgroup-matrix kernel (`subgroupMatrix` with `subgroupsM`): a workgroup of
 * subgroupsM × subgroupsN subgroups, each keeping tilesM × tilesN f32 result matrices of the
 * adapter's m×n shape, so the workgroup computes a (subgroupsM·tilesM·m) × (subgroupsN·tilesN·n)
 * block of C. Every `stageK` k-steps the whole workgroup copies a block of A and of B into
 * workgroup memory, four f16 at a time (A and B are bound as vec4<f16>; the buffers are padded to
 * 16 bytes), zero outside the matrices, so any M, N and K works; each subgroup then loads its left
 * and right matrices from there (rows padded by 8 halves, against bank conflicts) and
 * multiply-accumulates. With `prefetch`, each invocation loads its share of the next stage into
 * registers while the subgroups multiply the current one. This is the usual shape of a tensor-core
 * GEMM: the single-subgroup kernel (wgsl-matrix.ts) reads every element of A and B from the caches
 * once per subgroup; here a workgroup shares them.
 *
 * A subgroup's offsets come from its index (local_invocation_index / subgroup size), which Dawn's
 * uniformity analysis cannot see is the same across the subgroup: the module turns that
 * diagnostic (`chromium.subgroup_matrix_uniformity`) off. It relies on invocations
 * 0..size-1 forming the first subgroup, size..2·size-1 the second, and so on (as NVIDIA's and AMD's
 * drivers lay out a one-dimensional workgroup); a device where that is not so computes wrong
 * products, which the autotuner's float64 and Freivalds checks refuse before the kernel is used.
 */
import { subgroupMatrices } from './wgsl-matrix';
import { range } from './wgsl-parts';
import { cooperativeBlocks, type MatmulParams, type SubgroupMatrixShape } from './wgsl-params';

export type CooperativeShape = SubgroupMatrixShape &
  Required<Pick<SubgroupMatrixShape, 'subgroupsM' | 'subgroupsN' | 'stageK' | 'prefetch'>>;

export function cooperativeKernel(p: MatmulParams & { subgroupMatrix: CooperativeShape }): string {
  const sm = p.subgroupMatrix;
  const W = p.wgX;
  const { invocations: T, BM, BN, BK, strideA: SA, strideB: SB } = cooperativeBlocks(sm, W);
  const MN = sm.m * sm.n;
  const WM = sm.tilesM * sm.m; // one subgroup's rows
  const WN = sm.tilesN * sm.n; // and columns
  const quadsA = (BM * BK) / 4; // vec4s of A per stage
  const quadsB = (BK * BN) / 4;
  const { I, J, left, right, result, each } = subgroupMatrices(sm);
  // Each invocation's share of a stage: the q-th vec4 of A it copies is element e = li + q·T.
  const shares = (quads: number) => range(Math.ceil(quads / T));
  const guard = (quads: number, q: number) => ((q + 1) * T > quads ? `li + ${q * T}u < ${quads}u` : '');
  const fetch = (indent: string, t: string) =>
    [
      ...shares(quadsA).map((q) => `${indent}pa${q} = quadA(row0, ${t}, li + ${q * T}u);`),
      ...shares(quadsB).map((q) => `${indent}pb${q} = quadB(${t}, col0, li + ${q * T}u);`),
    ].join('\n');
  const keep = (indent: string) =>
    [
      ...shares(quadsA).map((q) => {
        const g = guard(quadsA, q);
        const body = `putA(li + ${q * T}u, pa${q});`;
        return `${indent}${g ? `if (${g}) { ${body} }` : body}`;
      }),
      ...shares(quadsB).map((q) => {
        const g = guard(quadsB, q);
        const body = `putB(li + ${q * T}u, pb${q});`;
        return `${indent}${g ? `if (${g}) { ${body} }` : body}`;
      }),
    ].join('\n');
  const multiply = range(sm.stageK)
    .map(
      (s) => `      {
${I.map((i) => `      let left${i} = subgroupMatrixLoad<${left}, row_major>(&tileA, aAt + ${i * sm.m * SA + s * sm.k}u, ${SA}u);`).join('\n')}
${J.map((j) => `      let right${j} = subgroupMatrixLoad<${right}, row_major>(&tileB, bAt + ${s * sm.k * SB + j * sm.n}u, ${SB}u);`).join('\n')}
${each((i, j) => `      acc_${i}_${j} = subgroupMatrixMultiplyAccumulate(left${i}, right${j}, acc_${i}_${j});`)}
      }`,
    )
    .join('\n');
  const loop = sm.prefetch
    ? `${fetch('  ', '0u')}
  for (var t = 0u; t < dims.K; t += ${BK}u) {
${keep('    ')}
    workgroupBarrier();
    if (t + ${BK}u < dims.K) {
${fetch('      ', `t + ${BK}u`)}
    }
${multiply}
    workgroupBarrier();
  }`
    : `  for (var t = 0u; t < dims.K; t += ${BK}u) {
${fetch('    ', 't')}
${keep('    ')}
    workgroupBarrier();
${multiply}
    workgroupBarrier();
  }`;
  return `diagnostic(off, chromium.subgroup_matrix_uniformity);
enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;
struct Dims { M: u32, N: u32, K: u32, pad: u32 }
@group(0) @binding(0) var<storage, read> a: array<vec4<f16>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f16>>;
@group(0) @binding(2) var<storage, read_write> c: array<f16>;
@group(0) @binding(3) var<uniform> dims: Dims;
var<workgroup> tileA: array<f16, ${BM * SA}>;
var<workgroup> tileB: array<f16, ${BK * SB}>;
var<workgroup> tileC: array<f32, ${(T / W) * MN}>;

// Element i of a matrix bound as vec4s, for the edges.
fn elementA(i: u32) -> f16 { return a[i / 4u][i % 4u]; }
fn elementB(i: u32) -> f16 { return b[i / 4u][i % 4u]; }

// The e-th vec4 of the ${BM}x${BK} block of A at (row0, t): A[r][k..k+3], zero outside A.
fn quadA(row0: u32, t: u32, e: u32) -> vec4<f16> {
  let r = row0 + e / ${BK / 4}u;
  let k = t + (e % ${BK / 4}u) * 4u;
  if (r < dims.M && k + 4u <= dims.K && dims.K % 4u == 0u) { return a[(r * dims.K + k) / 4u]; }
  var v = vec4<f16>();
  if (r < dims.M) {
    let at = r * dims.K + k;
    if (k < dims.K) { v.x = elementA(at); }
    if (k + 1u < dims.K) { v.y = elementA(at + 1u); }
    if (k + 2u < dims.K) { v.z = elementA(at + 2u); }
    if (k + 3u < dims.K) { v.w = elementA(at + 3u); }
  }
  return v;
}

// The e-th vec4 of the ${BK}x${BN} block of B at (t, col0): B[k][col..col+3], zero outside B.
fn quadB(t: u32, col0: u32, e: u32) -> vec4<f16> {
  let k = t + e / ${BN / 4}u;
  let col = col0 + (e % ${BN / 4}u) * 4u;
  if (k < dims.K && col + 4u <= dims.N && dims.N % 4u == 0u) { return b[(k * dims.N + col) / 4u]; }
  var v = vec4<f16>();
  if (k < dims.K) {
    let at = k * dims.N + col;
    if (col < dims.N) { v.x = elementB(at); }
    if (col + 1u < dims.N) { v.y = elementB(at + 1u); }
    if (col + 2u < dims.N) { v.z = elementB(at + 2u); }
    if (col + 3u < dims.N) { v.w = elementB(at + 3u); }
  }
  return v;
}

fn putA(e: u32, v: vec4<f16>) {
  let at = (e / ${BK / 4}u) * ${SA}u + (e % ${BK / 4}u) * 4u;
  tileA[at] = v.x; tileA[at + 1u] = v.y; tileA[at + 2u] = v.z; tileA[at + 3u] = v.w;
}

fn putB(e: u32, v: vec4<f16>) {
  let at = (e / ${BN / 4}u) * ${SB}u + (e % ${BN / 4}u) * 4u;
  tileB[at] = v.x; tileB[at + 1u] = v.y; tileB[at + 2u] = v.z; tileB[at + 3u] = v.w;
}

@compute @workgroup_size(${T}, 1)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wid.y * ${BM}u;
  let col0 = wid.x * ${BN}u;
  let sg = li / ${W}u;
  let lane = li % ${W}u;
  let sgRow = (sg / ${sm.subgroupsN}u) * ${WM}u;
  let sgCol = (sg % ${sm.subgroupsN}u) * ${WN}u;
  let aAt = sgRow * ${SA}u;
  let bAt = sgCol;
${shares(quadsA)
  .map((q) => `  var pa${q} = vec4<f16>();`)
  .join('\n')}
${shares(quadsB)
  .map((q) => `  var pb${q} = vec4<f16>();`)
  .join('\n')}
${each((i, j) => `  var acc_${i}_${j} = ${result}();`)}
${loop}
  // Each result through this subgroup's m×n of workgroup memory to bounds-checked f16 stores.
  let cAt = sg * ${MN}u;
${each(
  (i, j) => `  subgroupMatrixStore<row_major>(&tileC, cAt, acc_${i}_${j}, ${sm.n}u);
  workgroupBarrier();
  for (var e = lane; e < ${MN}u; e += ${W}u) {
    let r = row0 + sgRow + ${i * sm.m}u + e / ${sm.n}u;
    let col = col0 + sgCol + ${j * sm.n}u + e % ${sm.n}u;
    if (r < dims.M && col < dims.N) { c[r * dims.N + col] = f16(tileC[cAt + e]); }
  }
  workgroupBarrier();`,
)}
}
`;
}
