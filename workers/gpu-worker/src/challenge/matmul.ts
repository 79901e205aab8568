/**
 * The product kernel behind the challenge. `MatmulRunner` is the seam: the autotuned kernel family
 * (src/kernels) can replace the simple kernel here without touching the challenge code.
 */
import { computePipeline, dispatch, uniformBuffer } from './gpu-buffers';

/**
 * Computes C = A·B on the device: A m×k, B k×n, C m×n, all row-major f32 storage buffers.
 * Resolves when the GPU has finished, so the caller can time it. A runner that can also record
 * the product into an encoder (`encode`) lets the prover keep the GPU's queue full: the products
 * of a challenge are submitted one behind the other, with no wait between them (prover.ts).
 */
export type MatmulRunner = ((device: GPUDevice, ...product: MatmulOperands) => Promise<void>) & {
  encode?: MatmulEncode;
};

/** What a product is of: A (m×k), B (k×n) and C (m×n) in storage buffers, and m, n, k. */
export type MatmulOperands = [a: GPUBuffer, b: GPUBuffer, c: GPUBuffer, m: number, n: number, k: number];

/**
 * Records C = A·B into `encoder` (submitted by the caller); throws a RangeError, recording nothing,
 * for a shape the kernel refuses. Every buffer it creates lives as long as the kernel.
 */
export type MatmulEncode = (
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  ...product: MatmulOperands
) => void;

/** Each invocation computes a 4×4 block of C; a workgroup of 8×8 invocations a 32×32 tile. */
const TILE = 32;

export const REGISTER_BLOCKED_MATMUL_WGSL = /* wgsl */ `
struct Dims { m: u32, n: u32, k: u32, pad: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

fn store(row: u32, col0: u32, v: vec4f) {
  if (row >= dims.m) { return; }
  let base = row * dims.n + col0;
  c[base] = v.x;
  if (col0 + 1u < dims.n) { c[base + 1u] = v.y; }
  if (col0 + 2u < dims.n) { c[base + 2u] = v.z; }
  if (col0 + 3u < dims.n) { c[base + 3u] = v.w; }
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let row0 = gid.y * 4u;
  let col0 = gid.x * 4u;
  if (row0 >= dims.m || col0 >= dims.n) { return; }
  // Loads clamp to the last row and column, so the loop has no branch; only what is inside C is stored.
  let last_row = dims.m - 1u;
  let last_col = dims.n - 1u;
  let a0 = min(row0, last_row) * dims.k;
  let a1 = min(row0 + 1u, last_row) * dims.k;
  let a2 = min(row0 + 2u, last_row) * dims.k;
  let a3 = min(row0 + 3u, last_row) * dims.k;
  let c1 = min(col0 + 1u, last_col);
  let c2 = min(col0 + 2u, last_col);
  let c3 = min(col0 + 3u, last_col);
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var kk = 0u; kk < dims.k; kk++) {
    let bo = kk * dims.n;
    let bv = vec4f(b[bo + col0], b[bo + c1], b[bo + c2], b[bo + c3]);
    acc0 += a[a0 + kk] * bv;
    acc1 += a[a1 + kk] * bv;
    acc2 += a[a2 + kk] * bv;
    acc3 += a[a3 + kk] * bv;
  }
  store(row0, col0, acc0);
  store(row0 + 1u, col0, acc1);
  store(row0 + 2u, col0, acc2);
  store(row0 + 3u, col0, acc3);
}
`;

/** The simple register-blocked f32 kernel: correct for any m, n, k ≥ 1. */
export const registerBlockedMatmul: MatmulRunner = async (device, a, b, c, m, n, k) => {
  const dims = uniformBuffer(device, Uint32Array.from([m, n, k, 0]), 'matmul dims');
  try {
    await dispatch(
      device,
      computePipeline(device, REGISTER_BLOCKED_MATMUL_WGSL),
      [a, b, c, dims],
      [Math.ceil(n / TILE), Math.ceil(m / TILE)],
    );
  } finally {
    dims.destroy();
  }
};

/** Each device's dims uniforms of the recorded register-blocked products, one per shape, kept. */
const recordedDims = new WeakMap<GPUDevice, Map<string, GPUBuffer>>();

registerBlockedMatmul.encode = (device, encoder, a, b, c, m, n, k) => {
  let byShape = recordedDims.get(device);
  if (!byShape) recordedDims.set(device, (byShape = new Map()));
  const shape = `${m}x${n}x${k}`;
  let dims = byShape.get(shape);
  if (!dims)
    byShape.set(shape, (dims = uniformBuffer(device, Uint32Array.from([m, n, k, 0]), 'matmul dims')));
  const pipeline = computePipeline(device, REGISTER_BLOCKED_MATMUL_WGSL);
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(
    0,
    device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [a, b, c, dims].map((buffer, binding) => ({ binding, resource: { buffer } })),
    }),
  );
  pass.dispatchWorkgroups(Math.ceil(n / TILE), Math.ceil(m / TILE));
  pass.end();
};
