/**
 * The GPU side of one challenge's products (docs/certification.md): generate A_p and B_p from the
 * seed where no buffer holds them (product-inputs.ts), multiply, hash every leaf of C_p and reduce
 * the leaves to the product's root, all on the device, with buffers and pipelines reused from
 * product to product; each product recorded whole into one submission where the kernel can be.
 *
 * Precision. An f32 challenge, or an f16 one without an f16 kernel, runs the f32 kernel on f32
 * matrices. An f16 challenge with an f16 kernel generates A and B as f16 (the generator's values
 * are exact there), multiplies them with that kernel into an f16 C, and widens C to f32 on the
 * device before hashing: the leaves are always rows of f32, so the verifier reads every opening the
 * same way and checks it against the f16 tier's rounding bound (tolerance.ts).
 */
import {
  Challenge,
  HASH_WORKGROUP,
  LEAF_HASH_WGSL,
  leafWidth,
  leavesPerRow,
  NODE_HASH_WGSL,
  treeLayout,
} from '@gpux/certification';
import { BadChallengeError } from './bad-challenge';
import { checkFits, computePipeline, storageBuffer, uniformBuffer } from './gpu-buffers';
import type { MatmulRunner } from './matmul';
import { ProductInputs } from './product-inputs';

/** The kernels a challenge may be answered with: f32 always, f16 where the device has one. */
export interface ChallengeKernels {
  f32: MatmulRunner;
  /** Multiplies f16 A and B into an f16 C (same signature; the buffers hold f16). */
  f16?: MatmulRunner;
}

/** Widens `n` f16 values to f32, element by element (exact: every f16 is an f32). */
export const WIDEN_F16_WGSL = /* wgsl */ `
enable f16;
struct Count { n: u32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> count: Count;
@group(0) @binding(1) var<storage, read> src: array<f16>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = id.y * groups.x * 256u + id.x;
  if (i < count.n) {
    dst[i] = f32(src[i]);
  }
}
`;
const WIDEN_WORKGROUP = 256;

/** The widening's dispatch for `count` values: x × y workgroups, x within WebGPU's 65,535. */
export function widenDispatch(count: number): [number, number] {
  const groups = Math.max(1, Math.ceil(count / WIDEN_WORKGROUP));
  const x = Math.min(groups, 32_768);
  return [x, Math.ceil(groups / x)];
}

/**
 * Throws BadChallengeError unless an n×n f32 matrix (C, the largest of a product's buffers) fits
 * this device: the challenge's size is then more than this worker can answer.
 */
export function checkChallengeFits(device: GPUDevice, n: number): void {
  try {
    checkFits(device, n * n * 4, `a ${n}×${n} f32 matrix`);
  } catch (error) {
    throw error instanceof RangeError ? new BadChallengeError(error.message) : error;
  }
}

/** How the products of a challenge are computed on this device: the precision of the buffers and the kernel. */
export function productPlan(
  challenge: Challenge,
  kernels: ChallengeKernels,
): { half: boolean; kernel: MatmulRunner; bytesPerEntry: 2 | 4 } {
  if (challenge.precision === 'f16' && kernels.f16)
    return { half: true, kernel: kernels.f16, bytesPerEntry: 2 };
  return { half: false, kernel: kernels.f32, bytesPerEntry: 4 };
}

export interface ProductPipelineOptions {
  /** Bytes the kept B matrices may take (default B_CACHE_BYTES, product-inputs.ts; 0: none kept). */
  cacheBytes?: number;
}

export class ProductPipeline {
  /** A_p and B_p, generated where no buffer holds them. */
  private readonly inputs: ProductInputs;
  /** The buffers `generate` left A_p and B_p in (a kernel that cannot be recorded: `multiply` next). */
  private generated: { a: GPUBuffer; b: GPUBuffer } | undefined;
  /** C as f32: what the leaves hash. */
  readonly c: GPUBuffer;
  /** C as the f16 kernel writes it, before widening (f16 plans only). */
  private readonly cHalf: GPUBuffer | undefined;
  /** Every level of a product's tree, leaves first (treeLayout). */
  readonly tree: GPUBuffer;
  readonly leafCount: number;
  private readonly plan: ReturnType<typeof productPlan>;
  private readonly widen: { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup } | undefined;
  private readonly leafPipeline: GPUComputePipeline;
  private readonly leafBindGroup: GPUBindGroup;
  /** The levels of a product's tree above its leaves: the bind group of each, and its width. */
  private readonly levels: { bindGroup: GPUBindGroup; outputs: number }[] = [];
  private readonly rootOffset: number;
  private readonly nodePipeline: GPUComputePipeline;
  private readonly owned: GPUBuffer[] = [];
  private destroyed = false;

  constructor(
    private readonly device: GPUDevice,
    private readonly challenge: Challenge,
    kernels: ChallengeKernels,
    options: ProductPipelineOptions = {},
  ) {
    const { n } = challenge;
    this.plan = productPlan(challenge, kernels);
    const { half } = this.plan;
    const own = (buffer: GPUBuffer) => (this.owned.push(buffer), buffer);
    checkChallengeFits(device, n);
    this.inputs = new ProductInputs(device, challenge, this.plan, own, options.cacheBytes);
    this.c = own(storageBuffer(device, n * n * 4, 'challenge C'));
    this.cHalf = half ? own(storageBuffer(device, n * n * 2, 'challenge C (f16)')) : undefined;
    this.leafCount = n * leavesPerRow(n);
    const layout = treeLayout(this.leafCount);
    const root = layout[layout.length - 1]!;
    this.rootOffset = root.offset;
    this.tree = own(storageBuffer(device, (root.offset + 8) * 4, 'product tree'));
    if (this.cHalf) {
      const pipeline = computePipeline(device, WIDEN_F16_WGSL);
      const count = own(uniformBuffer(device, Uint32Array.from([n * n, 0, 0, 0]), 'widen count'));
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: count } },
          { binding: 1, resource: { buffer: this.cHalf } },
          { binding: 2, resource: { buffer: this.c } },
        ],
      });
      this.widen = { pipeline, bindGroup };
    }

    this.leafPipeline = computePipeline(device, LEAF_HASH_WGSL);
    const leafParams = own(
      uniformBuffer(device, Uint32Array.from([n, n, leafWidth(n), leavesPerRow(n)]), 'leaf params'),
    );
    this.leafBindGroup = device.createBindGroup({
      layout: this.leafPipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: leafParams } },
        { binding: 1, resource: { buffer: this.c } },
        { binding: 2, resource: { buffer: this.tree } },
      ],
    });
    this.nodePipeline = computePipeline(device, NODE_HASH_WGSL);
    for (let l = 0; l + 1 < layout.length; l++) {
      const [from, to] = [layout[l]!, layout[l + 1]!];
      const params = own(
        uniformBuffer(device, Uint32Array.from([from.count, from.offset, to.offset, 0]), 'node params'),
      );
      const bindGroup = device.createBindGroup({
        layout: this.nodePipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: params } },
          { binding: 1, resource: { buffer: this.tree } },
        ],
      });
      this.levels.push({ bindGroup, outputs: to.count });
    }
  }

  /** Whether the products run the f16 kernel on f16 matrices. */
  get half(): boolean {
    return this.plan.half;
  }

  /** Whether `submitProduct` can record a product: the kernel can record itself into an encoder. */
  get recordable(): boolean {
    return this.plan.kernel.encode !== undefined;
  }

  /**
   * Records product p whole into one submission, in queue order after everything submitted before:
   * the generation of whichever of A_p and B_p the buffers do not hold already, the product, the
   * hashing of C's leaves up to the product's root (and its copy to `rootInto`). Not awaited: the
   * caller may submit the next product before this one is done, which keeps the GPU's queue full.
   * Only where `recordable`.
   */
  submitProduct(product: number, rootInto?: { buffer: GPUBuffer; offset: number }): void {
    const record = this.plan.kernel.encode;
    if (!record) throw new Error('the challenge kernel cannot be recorded into an encoder');
    const { n } = this.challenge;
    const encoder = this.device.createCommandEncoder();
    const { a, b } = this.inputs.encode(encoder, product);
    record(this.device, encoder, a, b, this.cHalf ?? this.c, n, n, n);
    this.encodeHash(encoder, rootInto);
    this.device.queue.submit([encoder.finish()]);
  }

  /**
   * Generates A_p and B_p (those not held already): submitted, not awaited (the product after it in
   * the queue waits for it). For a kernel that cannot be recorded: `multiply` runs it next.
   */
  generate(product: number): void {
    const encoder = this.device.createCommandEncoder();
    this.generated = this.inputs.encode(encoder, product);
    this.device.queue.submit([encoder.finish()]);
  }

  /** C_p = A_p·B_p (into the f32 C, widened from f16 for an f16 plan); resolves when the GPU is done. */
  async multiply(): Promise<void> {
    const { n } = this.challenge;
    if (!this.generated) throw new Error('multiply() before generate()');
    const { a, b } = this.generated;
    await this.plan.kernel(this.device, a, b, this.cHalf ?? this.c, n, n, n);
  }

  /**
   * Hashes C's leaves and reduces them to the product's root, level by level, in the tree buffer;
   * with `rootInto`, copies the root there at `offset`. Submitted, not awaited: the queue keeps
   * the order. An f16 plan widens C to f32 first, in the same submission.
   */
  hash(rootInto?: { buffer: GPUBuffer; offset: number }): void {
    const encoder = this.device.createCommandEncoder();
    this.encodeHash(encoder, rootInto);
    this.device.queue.submit([encoder.finish()]);
  }

  private encodeHash(encoder: GPUCommandEncoder, rootInto?: { buffer: GPUBuffer; offset: number }): void {
    const pass = encoder.beginComputePass();
    if (this.widen) {
      const { n } = this.challenge;
      pass.setPipeline(this.widen.pipeline);
      pass.setBindGroup(0, this.widen.bindGroup);
      pass.dispatchWorkgroups(...widenDispatch(n * n));
    }
    pass.setPipeline(this.leafPipeline);
    pass.setBindGroup(0, this.leafBindGroup);
    pass.dispatchWorkgroups(Math.ceil(this.leafCount / HASH_WORKGROUP));
    pass.setPipeline(this.nodePipeline);
    for (const level of this.levels) {
      pass.setBindGroup(0, level.bindGroup);
      pass.dispatchWorkgroups(Math.ceil(level.outputs / HASH_WORKGROUP));
    }
    pass.end();
    if (rootInto)
      encoder.copyBufferToBuffer(this.tree, this.rootOffset * 4, rootInto.buffer, rootInto.offset, 32);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const buffer of this.owned) buffer.destroy();
  }
}
