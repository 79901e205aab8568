/**
 * The double-buffered workgroup-memory kernel (`doubleBuffer`), the shape fast SGEMMs take on
 * discrete GPUs:
 *  - two stages of workgroup memory: while the workgroup multiplies tile t from one stage, each
 *    invocation has already loaded its share of tile t+1 from global memory into registers, and
 *    writes it into the other stage afterwards. One barrier per tile: a stage is written only after
 *    the barrier that ends every invocation's reads of it.
 *  - A is stored transposed (k-major), so an invocation reads its `rows` rows of A at one k as
 *    rows/4 vec4s, and B as cols/4 vec4s: (rows + cols)/4 workgroup loads per rows×cols FMAs.
 *  - An invocation's column vec4s are strided by the workgroup's width (column vec4 j of lane x is
 *    x + j·wgX), so neighbouring lanes read neighbouring vec4s of the B tile: no bank conflicts.
 * Edges: loads outside A or B read zero, stores are bounds-checked; any M, N and K.
 */
import { accumulators, enableAndAlias, outputBinding, range, zeroPaddedLoads } from './wgsl-parts';
import type { MatmulParams, MatmulPath } from './wgsl-params';

export function stagedKernel(p: MatmulParams, path: MatmulPath): string {
  const BM4 = (p.wgY * p.rows) / 4;
  const BN4 = (p.wgX * p.cols) / 4;
  const BK = p.tileK;
  const K4 = BK / 4;
  const threads = p.wgX * p.wgY;
  const loadsA = Math.ceil((BM4 * 4 * K4) / threads);
  const loadsB = Math.ceil((BK * BN4) / threads);
  const stageA = BK * BM4;
  const stageB = BK * BN4;
  const vec = path === 'vec4';
  const Q = range(p.rows / 4);
  const J = range(p.cols / 4);
  const R = range(p.rows);

  // Each invocation's share of a tile: A as vec4s along k (r = row in the tile, kk = first k),
  // B as vec4s along n; shares past the tile's end (when threads do not divide it) do nothing.
  const fetch = (t: string) =>
    [
      ...range(loadsA).map(
        (u) =>
          `    { let i = li + ${u * threads}u; ga${u} = loadA4(rowBase + i / ${K4}u, ${t} + (i % ${K4}u) * 4u); }`,
      ),
      ...range(loadsB).map(
        (u) =>
          `    { let i = li + ${u * threads}u; gb${u} = loadB4(${t} + i / ${BN4}u, colBase4 + i % ${BN4}u); }`,
      ),
    ].join('\n');
  const guard = (total: number, u: number, body: string) =>
    (u + 1) * threads <= total ? `{ ${body} }` : `if (li + ${u * threads}u < ${total}u) { ${body} }`;
  const stash = (stage: string) =>
    [
      ...range(loadsA).map((u) => {
        const writes = range(4)
          .map(
            (e) => `tileA[${stage} * ${stageA}u + (kk + ${e}u) * ${BM4}u + r / 4u][r % 4u] = ga${u}[${e}];`,
          )
          .join(' ');
        return `    ${guard(BM4 * 4 * K4, u, `let i = li + ${u * threads}u; let r = i / ${K4}u; let kk = (i % ${K4}u) * 4u; ${writes}`)}`;
      }),
      ...range(loadsB).map(
        (u) => `    ${guard(stageB, u, `tileB[${stage} * ${stageB}u + li + ${u * threads}u] = gb${u};`)}`,
      ),
    ].join('\n');

  const src: string[] = [
    enableAndAlias(p),
    `@group(0) @binding(0) var<storage, read> a: array<${vec ? 'vec4<T>' : 'T'}>;
@group(0) @binding(1) var<storage, read> b: array<${vec ? 'vec4<T>' : 'T'}>;`,
    outputBinding(path),
    zeroPaddedLoads(path),
    `var<workgroup> tileA: array<vec4<T>, ${2 * stageA}>;
var<workgroup> tileB: array<vec4<T>, ${2 * stageB}>;

@compute @workgroup_size(${p.wgX}, ${p.wgY})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let rowBase = wid.y * ${BM4 * 4}u;
  let colBase4 = wid.x * ${BN4}u;
  let lr4 = lid.y * ${p.rows / 4}u;
${accumulators(p)}
${range(loadsA)
  .map((u) => `  var ga${u} = vec4<T>();`)
  .join('\n')}
${range(loadsB)
  .map((u) => `  var gb${u} = vec4<T>();`)
  .join('\n')}
  let tiles = (dims.K + ${BK - 1}u) / ${BK}u;
${fetch('0u')}
${stash('0u')}
  workgroupBarrier();
  for (var t = 0u; t < tiles; t++) {
    let cur = t % 2u;
    let more = t + 1u < tiles;
    if (more) {
${fetch(`(t + 1u) * ${BK}u`)}
    }
    for (var kk = 0u; kk < ${BK}u; kk++) {
${Q.map((q) => `      let aq${q} = vec4<TA>(tileA[cur * ${stageA}u + kk * ${BM4}u + lr4 + ${q}u]);`).join('\n')}
${J.map((j) => `      let b${j} = vec4<TA>(tileB[cur * ${stageB}u + kk * ${BN4}u + lid.x + ${j * p.wgX}u]);`).join('\n')}
${R.flatMap((i) => J.map((j) => `      acc_${i}_${j} = fma(vec4<TA>(aq${i >> 2}[${i & 3}]), b${j}, acc_${i}_${j});`)).join('\n')}
    }
    if (more) {
${stash('(1u - cur)')}
    }
    workgroupBarrier();
  }
  let n4 = dims.N / 4u;`,
  ];
  // Row i of the block is rowBase + lid.y·rows + i; column vec4 j is colBase4 + lid.x + j·wgX.
  for (const i of R) {
    const row = `rowBase + lid.y * ${p.rows}u + ${i}u`;
    const lines = J.flatMap((j) => {
      const c4 = `colBase4 + lid.x + ${j * p.wgX}u`;
      if (vec) return [`    { let c4 = ${c4}; if (c4 < n4) { c[row * n4 + c4] = vec4<T>(acc_${i}_${j}); } }`];
      return range(4).map(
        (e) =>
          `    { let col = (${c4}) * 4u + ${e}u; if (col < dims.N) { c[row * dims.N + col] = T(acc_${i}_${j}[${e}]); } }`,
      );
    });
    src.push(`  { let row = ${row};\n  if (row < dims.M) {\n${lines.join('\n')}\n  } }`);
  }
  src.push('}\n');
  return src.join('\n');
}
