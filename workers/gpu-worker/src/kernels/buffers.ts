/**
 * Matrices in and out of GPU buffers. Callers hold Float32Arrays; f16 buffers are converted on
 * the way (Node 20 has no Float16Array). Buffers are padded to 16 bytes so the kernels may bind
 * them as arrays of vec4.
 */
import { bytesPerElement, Precision } from './wgsl-params';

export { bytesPerElement };

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of x, rounded to nearest even (overflow → ±Infinity, NaN kept). */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const bits = u32[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rest > half || (rest === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // may carry into the exponent: still right
  return sign | h;
}

export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The values as the GPU will see them at this precision (f16 rounds), for CPU references. */
export function roundTo(data: Float32Array, precision: Precision): Float32Array {
  if (precision === 'f32') return data;
  return data.map((x) => fromHalfBits(toHalfBits(x)));
}

const paddedSize = (elements: number, precision: Precision) =>
  Math.max(16, Math.ceil((elements * bytesPerElement(precision)) / 16) * 16);

const MATRIX_USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** An uninitialised (zeroed) matrix buffer, e.g. for C. */
export function createMatrixBuffer(device: GPUDevice, elements: number, precision: Precision): GPUBuffer {
  return device.createBuffer({ size: paddedSize(elements, precision), usage: MATRIX_USAGE() });
}

export function uploadMatrix(device: GPUDevice, data: Float32Array, precision: Precision): GPUBuffer {
  const buffer = device.createBuffer({
    size: paddedSize(data.length, precision),
    usage: MATRIX_USAGE(),
    mappedAtCreation: true,
  });
  if (precision === 'f32') new Float32Array(buffer.getMappedRange()).set(data);
  else {
    const out = new Uint16Array(buffer.getMappedRange());
    data.forEach((x, i) => (out[i] = toHalfBits(x)));
  }
  buffer.unmap();
  return buffer;
}

/** The first `elements` values of a matrix buffer, as Float32Array whatever the precision. */
export async function readMatrix(
  device: GPUDevice,
  buffer: GPUBuffer,
  elements: number,
  precision: Precision,
): Promise<Float32Array> {
  const size = Math.ceil((elements * bytesPerElement(precision)) / 4) * 4; // copies move whole words
  const staging = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, size);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const mapped = staging.getMappedRange();
    const result =
      precision === 'f32'
        ? new Float32Array(mapped.slice(0, elements * 4))
        : Float32Array.from(new Uint16Array(mapped, 0, elements), fromHalfBits);
    staging.unmap();
    return result;
  } finally {
    staging.destroy();
  }
}
