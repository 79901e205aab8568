/**
 * Texture-fed matmul kernels and the shader that packs a row-major matrix buffer into their
 * textures. A texel holds four consecutive elements of a row: A (M×K) becomes a texture of
 * ceil(K/4) × M texels, B (K×N) one of ceil(N/4) × 4·ceil(K/4), zero-padded, so the kernel reads
 * whole texels with no bounds checks along K.
 *
 * The kernels read them as read-only storage textures: on lavapipe that is an inlined image load,
 * where a sampled texture's textureLoad is a call through the sampler's function table
 * (measured at n=1024: about 45 against 27 GFLOP/s).
 */
import {
  accumulators,
  enableAndAlias,
  fourStepFmas,
  outputBinding,
  range,
  stores,
  unrolledLoop,
} from './wgsl-parts';
import type { MatmulParams, MatmulPath, Precision } from './wgsl-params';

export const textureFormat = (precision: Precision): GPUTextureFormat =>
  precision === 'f16' ? 'rgba16float' : 'rgba32float';

/** Texture sizes [width, height] in texels for A (M×K) and B (K×N). */
export function packedSizes(m: number, n: number, k: number): { a: [number, number]; b: [number, number] } {
  const k4 = Math.ceil(k / 4);
  return { a: [k4, m], b: [Math.ceil(n / 4), 4 * k4] };
}

export function textureKernel(p: MatmulParams, path: MatmulPath): string {
  const R = range(p.rows);
  const J = range(p.cols / 4);
  const body = (k: string) =>
    [
      ...R.map((i) => `    let a${i} = vec4<TA>(textureLoad(ta, vec2u(${k}, ra${i})));`),
      ...range(4).flatMap((s) =>
        J.map((j) => `    let b${s}_${j} = vec4<TA>(textureLoad(tb, vec2u(cb${j}, ${k} * 4u + ${s}u)));`),
      ),
      fourStepFmas(
        p,
        (i) => `a${i}`,
        (s, j) => `b${s}_${j}`,
        '    ',
      ),
    ].join('\n');
  return `${enableAndAlias(p)}
@group(0) @binding(0) var ta: texture_storage_2d<${textureFormat(p.precision)}, read>;
@group(0) @binding(1) var tb: texture_storage_2d<${textureFormat(p.precision)}, read>;
${outputBinding(path)}

@compute @workgroup_size(${p.wgX}, ${p.wgY})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let row0 = gid.y * ${p.rows}u;
  let col0 = gid.x * ${p.cols}u;
  // No early return for invocations past the edge: it would make the whole body divergent;
  // their reads are clamped and their stores checked.
  let n4 = dims.N / 4u;
  let k4n = (dims.K + 3u) / 4u;
  let bw = (dims.N + 3u) / 4u;
${accumulators(p)}
${R.map((i) => `  let ra${i} = min(row0 + ${i}u, dims.M - 1u);`).join('\n')}
${J.map((j) => `  let cb${j} = min(col0 / 4u + ${j}u, bw - 1u);`).join('\n')}
${unrolledLoop('k4n', p.unroll, body)}
${stores(p, path)}
}
`;
}

/** Packs a rows×cols row-major buffer into a texture of texels of 4, zeros beyond the matrix. */
export function packWgsl(precision: Precision): string {
  return `${precision === 'f16' ? 'enable f16;\n' : ''}struct Shape { rows: u32, cols: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<storage, read> src: array<${precision}>;
@group(0) @binding(1) var dst: texture_storage_2d<${textureFormat(precision)}, write>;
@group(0) @binding(2) var<uniform> shape: Shape;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let size = textureDimensions(dst);
  if (gid.x >= size.x || gid.y >= size.y) { return; }
  var v = vec4<f32>();
  if (gid.y < shape.rows) {
    let base = gid.y * shape.cols;
${range(4)
  .map((e) => `    if (gid.x * 4u + ${e}u < shape.cols) { v[${e}] = f32(src[base + gid.x * 4u + ${e}u]); }`)
  .join('\n')}
  }
  textureStore(dst, gid.xy, v);
}
`;
}
