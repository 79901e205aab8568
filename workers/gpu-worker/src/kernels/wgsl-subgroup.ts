/**
 * The subgroup kernel (`subgroups`): a register-blocked kernel whose lanes share A instead of each
 * loading it. Every invocation of a workgroup (wgY = 1) computes the same `rows` rows, so any two
 * lanes of a subgroup need the same values of A: lane l loads the l-th chunk of four k-steps of
 * each row, and the subgroup passes the chunks round with `subgroupShuffle`, so A costs one load
 * per lane per subgroup-size chunks. B is read by each lane for its own columns, as in the
 * register kernel.
 *
 * Correct for any subgroup size that divides the workgroup (createMatmul checks the adapter's
 * largest against wgX): the shuffles read lanes that exist, from uniform control flow (the loop
 * bounds depend only on the shape and the subgroup size). Edges: rows and columns past the
 * matrix read the last valid one and are never stored; k past K reads zero from A (and a valid
 * row of B), so it adds nothing.
 */
import { accumulators, enableAndAlias, fourStepFmas, outputBinding, range, stores } from './wgsl-parts';
import type { MatmulParams, MatmulPath } from './wgsl-params';

export function subgroupKernel(p: MatmulParams, path: MatmulPath): string {
  const R = range(p.rows);
  const J = range(p.cols / 4);
  const vec = path === 'vec4';
  const aChunk = vec
    ? (i: number) => `vec4<TA>(a[ra${i} + mc])`
    : (i: number) =>
        `vec4<TA>(${range(4)
          .map((e) => `loadA(ra${i}, mc * 4u + ${e}u)`)
          .join(', ')})`;
  const bRow = vec
    ? (e: number, j: number) => `vec4<TA>(b[kb${e} * n4 + cb${j}])`
    : (e: number, j: number) =>
        `vec4<TA>(${range(4)
          .map((x) => `TA(b[kb${e} * dims.N + cs${4 * j + x}])`)
          .join(', ')})`;
  return `${enableAndAlias(p)}
@group(0) @binding(0) var<storage, read> a: array<${vec ? 'vec4<T>' : 'T'}>;
@group(0) @binding(1) var<storage, read> b: array<${vec ? 'vec4<T>' : 'T'}>;
${outputBinding(path)}
${vec ? '' : `fn loadA(row: u32, k: u32) -> TA {\n  if (k < dims.K) { return TA(a[row + k]); }\n  return TA();\n}\n`}
@compute @workgroup_size(${p.wgX}, 1)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(global_invocation_id) gid: vec3u,
        @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) lanes: u32) {
  let row0 = wid.y * ${p.rows}u;
  if (row0 >= dims.M) { return; }
  let col0 = gid.x * ${p.cols}u;
  let n4 = dims.N / 4u;
${accumulators(p)}
${R.map((i) => `  let ra${i} = min(row0 + ${i}u, dims.M - 1u) * ${vec ? 'dims.K / 4u' : 'dims.K'};`).join('\n')}
${
  vec
    ? J.map((j) => `  let cb${j} = min(col0 / 4u + ${j}u, n4 - 1u);`).join('\n')
    : range(p.cols)
        .map((x) => `  let cs${x} = min(col0 + ${x}u, dims.N - 1u);`)
        .join('\n')
}
  let chunks = (dims.K + 3u) / 4u;
  for (var c0 = 0u; c0 < chunks; c0 += lanes) {
    // This lane's chunk of every row, zero past K.
    let mine = c0 + lane;
    let mc = min(mine, chunks - 1u);
    let live = mine < chunks;
${R.map((i) => `    let x${i} = select(vec4<TA>(), ${aChunk(i)}, live);`).join('\n')}
    let steps = min(lanes, chunks - c0);
    for (var s = 0u; s < steps; s++) {
      let k = (c0 + s) * 4u;
${R.map((i) => `      let a${i} = subgroupShuffle(x${i}, s);`).join('\n')}
${range(4)
  .map((e) => `      let kb${e} = min(k + ${e}u, dims.K - 1u);`)
  .join('\n')}
${range(4)
  .flatMap((e) => J.map((j) => `      let b${e}_${j} = ${bRow(e, j)};`))
  .join('\n')}
${fourStepFmas(
  p,
  (i) => `a${i}`,
  (s, j) => `b${s}_${j}`,
  '      ',
)}
    }
  }
${stores(p, path)}
}
`;
}
