/**
 * Memory bandwidth: dst = src · 2 over a large buffer, as vec4 loads and stores. Every byte is
 * read once and written once, so bytes moved = 2 × buffer size. Scaling by two is exact in
 * floating point, so the result is checked element by element.
 */
import { timeGpu, Timing } from './timing';

const WORKGROUP = 256;
/** vec4 elements per invocation: enough work per invocation to hide its start-up cost. */
const PER_INVOCATION = 4;

const SHADER = /* wgsl */ `
@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  // Consecutive invocations touch consecutive vec4s in each step: coalesced on GPUs.
  let stride = groups.x * ${WORKGROUP}u;
  let count = arrayLength(&dst);
  for (var s = 0u; s < ${PER_INVOCATION}u; s++) {
    let i = gid.x + s * stride;
    if (i < count) { dst[i] = src[i] * 2.0; }
  }
}`;

export interface BandwidthResult {
  bytes: number;
  /** Bytes read plus bytes written per second, in GB/s (10^9). */
  gbps: number;
  timing: Timing;
  /** Every element of the destination was checked. */
  verified: boolean;
  wrong: number;
}

/** Largest power-of-two buffer up to `wanted` that the device can bind. */
export function bandwidthBufferBytes(device: GPUDevice, wanted = 128 << 20): number {
  let bytes = 16;
  while (
    bytes * 2 <=
    Math.min(wanted, device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize)
  )
    bytes *= 2;
  return bytes;
}

export async function measureBandwidth(
  device: GPUDevice,
  options: { bytes?: number; runs?: number } = {},
): Promise<BandwidthResult> {
  const bytes = options.bytes ?? bandwidthBufferBytes(device);
  if (bytes % 16 !== 0 || bytes <= 0)
    throw new RangeError(`bandwidth: buffer size must be a positive multiple of 16 bytes, not ${bytes}`);
  const elements = bytes / 4;
  const source = new Float32Array(elements);
  for (let i = 0; i < elements; i++) source[i] = (i % 4093) - 2046.5;
  const src = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
  new Float32Array(src.getMappedRange()).set(source);
  src.unmap();
  const dst = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const staging = device.createBuffer({
    size: bytes,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const pipeline = await device.createComputePipelineAsync({
      label: 'bandwidth-scale',
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: 'main' },
    });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [src, dst].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const groups = Math.ceil(bytes / 16 / (WORKGROUP * PER_INVOCATION));
    const timing = await timeGpu(
      device,
      (encoder) => {
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(groups);
        pass.end();
      },
      { runs: options.runs ?? 5 },
    );
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(dst, 0, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(staging.getMappedRange());
    let wrong = 0;
    source.forEach((x, i) => {
      if (out[i] !== x * 2) wrong++;
    });
    staging.unmap();
    return { bytes, gbps: (2 * bytes) / timing.ms / 1e6, timing, verified: wrong === 0, wrong };
  } finally {
    for (const buffer of [src, dst, staging]) buffer.destroy();
  }
}
