/**
 * One parameterised generator of WGSL matmul kernels, C = A·B, row-major, A is M×K, B is K×N:
 * `generateMatmulWgsl(params, path)`. Parameters and their meaning: ./wgsl-params.ts.
 * Nothing here touches WebGPU, so it is unit-tested alone.
 *
 * Two code paths per variant, chosen per call by the shapes (`pathFor`):
 *  - `vec4`: B and C read/written as vec4 (16-byte loads and stores); A too when `aVec4`.
 *  - `scalar`: any N and K. The same blocking, with element loads and bounds checks.
 * Edges in M and N never need a multiple of the tile: reads clamp to the last row/column (in
 * bounds, results discarded) and stores are bounds-checked, so the inner loop carries no branches.
 */
import {
  accumulators,
  zeroPaddedLoads,
  enableAndAlias,
  fourStepFmas,
  outputBinding,
  range,
  stores,
  unrolledLoop,
} from './wgsl-parts';
import { MatmulParams, MatmulPath, NO_LIMITS, validateParams } from './wgsl-params';
import { matrixKernel } from './wgsl-matrix';
import { CooperativeShape, cooperativeKernel } from './wgsl-matrix-cooperative';
import { stagedKernel } from './wgsl-staged';
import { subgroupKernel } from './wgsl-subgroup';
import { textureKernel } from './wgsl-texture';

export * from './wgsl-params';

export function generateMatmulWgsl(p: MatmulParams, path: MatmulPath): string {
  const problems = validateParams(p, NO_LIMITS);
  if (problems.length > 0) throw new RangeError(`invalid matmul variant: ${problems.join('; ')}`);
  if (p.source === 'texture') return textureKernel(p, path);
  const sm = p.subgroupMatrix;
  if (sm?.subgroupsM !== undefined)
    return cooperativeKernel({ ...p, subgroupMatrix: sm as CooperativeShape });
  if (sm) return matrixKernel({ ...p, subgroupMatrix: sm });
  if (p.subgroups) return subgroupKernel(p, path);
  if (p.doubleBuffer) return stagedKernel(p, path);
  return p.tileK > 0 ? tiledKernel(p, path) : registerKernel(p, path);
}

function bufferBindings(aType: string, bType: string): string {
  return `@group(0) @binding(0) var<storage, read> a: array<${aType}>;
@group(0) @binding(1) var<storage, read> b: array<${bType}>;`;
}

function registerKernel(p: MatmulParams, path: MatmulPath): string {
  const R = range(p.rows);
  const J = range(p.cols / 4);
  const vecA = path === 'vec4' && p.aVec4;
  const src: string[] = [
    enableAndAlias(p),
    bufferBindings(vecA ? 'vec4<T>' : 'T', path === 'vec4' ? 'vec4<T>' : 'T'),
    outputBinding(path),
  ];
  src.push(`
@compute @workgroup_size(${p.wgX}, ${p.wgY})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let row0 = gid.y * ${p.rows}u;
  let col0 = gid.x * ${p.cols}u;
  if (row0 >= dims.M || col0 >= dims.N) { return; }
  let n4 = dims.N / 4u;
${accumulators(p)}`);
  // Rows and columns past the edge read the last valid one: always in bounds, never stored.
  const aStride = vecA ? 'dims.K / 4u' : 'dims.K';
  src.push(R.map((i) => `  let ra${i} = min(row0 + ${i}u, dims.M - 1u) * ${aStride};`).join('\n'));
  if (path === 'vec4') src.push(J.map((j) => `  let cb${j} = min(col0 / 4u + ${j}u, n4 - 1u);`).join('\n'));
  else
    src.push(
      range(p.cols)
        .map((e) => `  let cs${e} = min(col0 + ${e}u, dims.N - 1u);`)
        .join('\n'),
    );
  let body: (k: string) => string;
  if (vecA) {
    // One vec4 of A per row covers k..k+3; four rows of B (one vec4 each per column block).
    body = (k) =>
      [
        ...R.map((i) => `    let a${i} = vec4<TA>(a[ra${i} + ${k}]);`),
        `    let bo = ${k} * 4u * n4;`,
        ...range(4).flatMap((s) =>
          J.map((j) => `    let b${s}_${j} = vec4<TA>(b[bo + ${s}u * n4 + cb${j}]);`),
        ),
        fourStepFmas(
          p,
          (i) => `a${i}`,
          (s, j) => `b${s}_${j}`,
          '    ',
        ),
      ].join('\n');
  } else {
    const bLoad =
      path === 'vec4'
        ? (j: number) => `vec4<TA>(b[bo + cb${j}])`
        : (j: number) =>
            `vec4<TA>(${range(4)
              .map((e) => `TA(b[bo + cs${4 * j + e}])`)
              .join(', ')})`;
    body = (k) =>
      [
        ...R.map((i) => `    let a${i} = TA(a[ra${i} + ${k}]);`),
        `    let bo = ${k} * ${path === 'vec4' ? 'n4' : 'dims.N'};`,
        ...J.map((j) => `    let b${j} = ${bLoad(j)};`),
        ...R.flatMap((i) => J.map((j) => `    acc_${i}_${j} = fma(vec4<TA>(a${i}), b${j}, acc_${i}_${j});`)),
      ].join('\n');
  }
  src.push(unrolledLoop(vecA ? 'dims.K / 4u' : 'dims.K', p.unroll, body));
  src.push(stores(p, path), '}\n');
  return src.join('\n');
}

function tiledKernel(p: MatmulParams, path: MatmulPath): string {
  const BM = p.wgY * p.rows;
  const BN4 = (p.wgX * p.cols) / 4;
  const BK = p.tileK;
  const threads = p.wgX * p.wgY;
  const R = range(p.rows);
  const J = range(p.cols / 4);
  const vec = path === 'vec4';
  const src: string[] = [
    enableAndAlias(p),
    bufferBindings(vec ? 'vec4<T>' : 'T', vec ? 'vec4<T>' : 'T'),
    outputBinding(path),
  ];
  // Zero outside the matrices, so partial tiles add nothing.
  src.push(zeroPaddedLoads(path));
  src.push(`var<workgroup> tileA: array<T, ${BM * BK}>;
var<workgroup> tileB: array<vec4<T>, ${BK * BN4}>;

@compute @workgroup_size(${p.wgX}, ${p.wgY})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let rowBase = wid.y * ${BM}u;
  let colBase4 = wid.x * ${BN4}u;
  let lr = lid.y * ${p.rows}u;
  let lc4 = lid.x * ${p.cols / 4}u;
  let row0 = rowBase + lr;
  let col0 = (colBase4 + lc4) * 4u;
  let n4 = dims.N / 4u;
${accumulators(p)}
  for (var t = 0u; t < dims.K; t += ${BK}u) {
    for (var i = li; i < ${(BM * BK) / 4}u; i += ${threads}u) {
      let r = i / ${BK / 4}u;
      let kk = (i % ${BK / 4}u) * 4u;
      let v = loadA4(rowBase + r, t + kk);
      tileA[r * ${BK}u + kk] = v.x;
      tileA[r * ${BK}u + kk + 1u] = v.y;
      tileA[r * ${BK}u + kk + 2u] = v.z;
      tileA[r * ${BK}u + kk + 3u] = v.w;
    }
    for (var i = li; i < ${BK * BN4}u; i += ${threads}u) {
      tileB[i] = loadB4(t + i / ${BN4}u, colBase4 + i % ${BN4}u);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk++) {
${R.map((i) => `      let a${i} = TA(tileA[(lr + ${i}u) * ${BK}u + kk]);`).join('\n')}
${J.map((j) => `      let b${j} = vec4<TA>(tileB[kk * ${BN4}u + lc4 + ${j}u]);`).join('\n')}
${R.flatMap((i) => J.map((j) => `      acc_${i}_${j} = fma(vec4<TA>(a${i}), b${j}, acc_${i}_${j});`)).join('\n')}
    }
    workgroupBarrier();
  }`);
  src.push(stores(p, path), '}\n');
  return src.join('\n');
}
