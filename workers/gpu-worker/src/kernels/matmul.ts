/**
 * A compiled matmul variant on a device: C = A·B for any M, N, K, with buffers from
 * `uploadMatrix`/`createMatrixBuffer` (or any STORAGE buffer big enough, padded to 16 bytes).
 */
import { matrixUnsupported, offerOf } from './subgroup-matrix';
import { DEFAULT_VARIANTS, findVariant } from './variants';
import {
  blockOf,
  bytesPerElement,
  generateMatmulWgsl,
  MatmulParams,
  MatmulPath,
  pathFor,
  Precision,
  validateParams,
  variantName,
} from './wgsl';
import { packedSizes, packWgsl, textureFormat } from './wgsl-texture';

export interface MatmulVariant extends MatmulParams {
  name: string;
}

export interface Matmul {
  readonly variant: MatmulVariant;
  /** Records the work into `encoder` (for timing many in one submission). */
  encode(
    encoder: GPUCommandEncoder,
    a: GPUBuffer,
    b: GPUBuffer,
    c: GPUBuffer,
    m: number,
    n: number,
    k: number,
  ): void;
  /** Computes C = A·B and resolves when the GPU has finished. */
  run(a: GPUBuffer, b: GPUBuffer, c: GPUBuffer, m: number, n: number, k: number): Promise<void>;
  /** Floating-point operations of one M×N×K product (2 per multiply-add). */
  flops(m: number, n: number, k: number): number;
  destroy(): void;
}

export interface MatmulOptions {
  precision: Precision;
  /** A parameter object or a variant name; default: the precision's default variant. */
  variant?: MatmulParams | string;
}

export class UnsupportedPrecisionError extends Error {
  constructor() {
    super('f16 needs the adapter feature shader-f16, which this device does not have');
    this.name = 'UnsupportedPrecisionError';
  }
}

/** A variant that needs an adapter feature the device was not opened with (subgroups). */
export class UnsupportedFeatureError extends Error {
  constructor(variant: string, feature: string) {
    super(`${variant} needs the adapter feature ${feature}, which this device does not have`);
    this.name = 'UnsupportedFeatureError';
  }
}

/**
 * Why the device cannot run the variant, or null: a feature it lacks, or (subgroup variants) a
 * subgroup that may be wider than the workgroup, whose shuffles would read lanes that do not exist.
 */
export function unsupportedOn(device: GPUDevice, p: MatmulParams): string | null {
  if (p.precision === 'f16' && !device.features.has('shader-f16')) return 'shader-f16';
  if (p.subgroupMatrix) return matrixUnsupported(offerOf(device), p);
  if (!p.subgroups) return null;
  if (!device.features.has('subgroups')) return 'subgroups';
  const widest = (device as GPUDevice & { adapterInfo?: { subgroupMaxSize?: number } }).adapterInfo
    ?.subgroupMaxSize;
  if (widest === undefined || p.wgX % widest !== 0)
    return `subgroups of at most ${p.wgX} lanes (this adapter's are up to ${widest ?? 'unknown'})`;
  return null;
}

export function resolveVariant(precision: Precision, variant?: MatmulParams | string): MatmulVariant {
  const params =
    variant === undefined
      ? DEFAULT_VARIANTS[precision]
      : typeof variant === 'string'
        ? findVariant(variant)
        : variant;
  if (!params) throw new RangeError(`unknown matmul variant "${String(variant)}"`);
  if (params.precision !== precision)
    throw new RangeError(`variant ${variantName(params)} is not ${precision}`);
  const { name: _name, ...plain } = params as MatmulVariant;
  return { ...plain, name: variantName(params) };
}

/** Small buffers and textures per shape, kept for reuse; a few shapes, oldest evicted. */
class PerShape<T> {
  private readonly entries = new Map<string, T>();
  constructor(
    private readonly release: (value: T) => void,
    private readonly size = 8,
  ) {}
  get(key: string, make: () => T): T {
    let value = this.entries.get(key);
    if (value === undefined) {
      if (this.entries.size >= this.size) {
        // Oldest first: a submission that still uses it has been recorded long ago.
        const [oldKey, old] = this.entries.entries().next().value as [string, T];
        this.entries.delete(oldKey);
        this.release(old);
      }
      value = make();
      this.entries.set(key, value);
    }
    return value;
  }
  clear(): void {
    for (const value of this.entries.values()) this.release(value);
    this.entries.clear();
  }
}

function uniform(device: GPUDevice, values: number[]): GPUBuffer {
  const buffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  new Uint32Array(buffer.getMappedRange()).set(values);
  buffer.unmap();
  return buffer;
}

const bindGroup = (device: GPUDevice, pipeline: GPUComputePipeline, resources: GPUBindingResource[]) =>
  device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: resources.map((resource, binding) => ({ binding, resource })),
  });

/** Compiles both code paths of the variant (vec4 and scalar; see pathFor). */
export async function createMatmul(device: GPUDevice, options: MatmulOptions): Promise<Matmul> {
  if (options.precision === 'f16' && !device.features.has('shader-f16'))
    throw new UnsupportedPrecisionError();
  const variant = resolveVariant(options.precision, options.variant);
  const unsupported = unsupportedOn(device, variant);
  if (unsupported) throw new UnsupportedFeatureError(variant.name, unsupported);
  const problems = validateParams(variant, device.limits);
  if (problems.length > 0)
    throw new RangeError(`variant ${variant.name} does not fit this device: ${problems.join('; ')}`);
  const textured = variant.source === 'texture';

  const compile = (label: string, code: string) =>
    device.createComputePipelineAsync({
      label,
      layout: 'auto',
      compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
    });
  const [vec4, scalar, pack] = await Promise.all([
    compile(`${variant.name}-vec4`, generateMatmulWgsl(variant, 'vec4')),
    compile(`${variant.name}-scalar`, generateMatmulWgsl(variant, 'scalar')),
    textured ? compile(`pack-${variant.precision}`, packWgsl(variant.precision)) : undefined,
  ]);
  const pipelines: Record<MatmulPath, GPUComputePipeline> = { vec4, scalar };

  // One uniform buffer per shape, written once: encode() may record several shapes into one
  // submission, which a single rewritten buffer could not express.
  const uniforms = new PerShape<GPUBuffer>((buffer) => buffer.destroy(), 64);
  const textures = new PerShape<{ a: GPUTexture; b: GPUTexture; packA: GPUBuffer; packB: GPUBuffer }>((t) => {
    for (const x of [t.a, t.b, t.packA, t.packB]) x.destroy();
  }, 2);
  const packed = (m: number, n: number, k: number) =>
    textures.get(`${m}x${n}x${k}`, () => {
      const sizes = packedSizes(m, n, k);
      const texture = ([width, height]: [number, number]) =>
        device.createTexture({
          size: [width, height],
          format: textureFormat(variant.precision),
          usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.STORAGE_BINDING,
        });
      return {
        a: texture(sizes.a),
        b: texture(sizes.b),
        packA: uniform(device, [m, k, 0, 0]),
        packB: uniform(device, [k, n, 0, 0]),
      };
    });

  const bpe = bytesPerElement(variant.precision);
  const check = (a: GPUBuffer, b: GPUBuffer, c: GPUBuffer, m: number, n: number, k: number) => {
    for (const [name, v] of [
      ['M', m],
      ['N', n],
      ['K', k],
    ] as const)
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`matmul: ${name} must be a positive integer, not ${v}`);
    for (const [name, buffer, elements] of [
      ['A', a, m * k],
      ['B', b, k * n],
      ['C', c, m * n],
    ] as const)
      if (buffer.size < elements * bpe)
        throw new RangeError(`matmul: buffer ${name} holds ${buffer.size} bytes, needs ${elements * bpe}`);
    const block = blockOf(variant);
    const x = Math.ceil(n / block.cols);
    const y = Math.ceil(m / block.rows);
    const most = device.limits.maxComputeWorkgroupsPerDimension;
    if (x > most || y > most)
      throw new RangeError(`matmul: ${m}x${n} needs ${x}x${y} workgroups, more than ${most} per dimension`);
    if (textured) {
      const sizes = packedSizes(m, n, k);
      const side = Math.max(...sizes.a, ...sizes.b);
      if (side > device.limits.maxTextureDimension2D)
        throw new RangeError(
          `matmul: ${variant.name} packs ${m}x${k} and ${k}x${n} into textures up to ${side} texels, more than this device's ${device.limits.maxTextureDimension2D}; use a buffer variant`,
        );
    }
    return [x, y] as const;
  };

  const encode = (
    encoder: GPUCommandEncoder,
    a: GPUBuffer,
    b: GPUBuffer,
    c: GPUBuffer,
    m: number,
    n: number,
    k: number,
  ) => {
    const [x, y] = check(a, b, c, m, n, k);
    const pipeline = pipelines[pathFor(variant, n, k)];
    const dims = uniforms.get(`${m}x${n}x${k}`, () => uniform(device, [m, n, k, 0]));
    const pass = encoder.beginComputePass();
    let inputs: GPUBindingResource[] = [{ buffer: a }, { buffer: b }];
    if (pack) {
      const t = packed(m, n, k);
      pass.setPipeline(pack);
      for (const [source, texture, shape] of [
        [a, t.a, t.packA],
        [b, t.b, t.packB],
      ] as const) {
        pass.setBindGroup(
          0,
          bindGroup(device, pack, [{ buffer: source }, texture.createView(), { buffer: shape }]),
        );
        pass.dispatchWorkgroups(Math.ceil(texture.width / 8), Math.ceil(texture.height / 8));
      }
      inputs = [t.a.createView(), t.b.createView()];
    }
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup(device, pipeline, [...inputs, { buffer: c }, { buffer: dims }]));
    pass.dispatchWorkgroups(x, y);
    pass.end();
  };

  return {
    variant,
    encode,
    async run(a, b, c, m, n, k) {
      device.pushErrorScope('validation');
      const encoder = device.createCommandEncoder();
      encode(encoder, a, b, c, m, n, k);
      device.queue.submit([encoder.finish()]);
      const error = await device.popErrorScope();
      if (error) throw new Error(`matmul ${variant.name}: WebGPU validation failed: ${error.message}`);
      await device.queue.onSubmittedWorkDone();
    },
    flops: (m, n, k) => 2 * m * n * k,
    destroy() {
      uniforms.clear();
      textures.clear();
    },
  };
}
