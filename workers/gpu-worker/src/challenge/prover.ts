/**
 * The worker's answer to a certification challenge (protocol version 2, docs/certification.md):
 * for each product p, generate A_p and B_p on the GPU from the seed, compute C_p = A_p·B_p there,
 * hash every row chunk (a leaf) of C_p on the GPU and reduce the hashes to the product's root there
 * too; only the roots come back to the CPU, where the tree over them gives the commitment. Nothing
 * of the products is kept: an open request is answered by computing the opened products again
 * with the same kernel on the same inputs (the same bits, so the same tree), reading back their
 * trees (every level, so no hashing on the CPU) and the opened leaves.
 *
 * Both precision tiers run the f32 kernel: the generator's entries are exact in f16, and f32
 * products and sums of them are exact too, so an f16 challenge gets the exact answer.
 */
import {
  BatchCommitment,
  Challenge,
  chunkWidth,
  Commitment,
  digestsFromWords,
  HASH_WORKGROUP,
  LEAF_HASH_WGSL,
  leafIndex,
  leafWidth,
  leavesPerRow,
  NODE_HASH_WGSL,
  Opening,
  OpenRequest,
  parseSeed,
  prngDispatch,
  prngFillShader,
  prngParams,
  productMatrices,
  proofFromTreeWords,
  treeLayout,
} from '@gpux/certification';
import { checkFits, computePipeline, readBack, storageBuffer, uniformBuffer } from './gpu-buffers';
import { MatmulRunner, registerBlockedMatmul } from './matmul';

export interface ProofTimings {
  /** Encoding the generation of every A_p and B_p (the GPU runs it in queue order, inside computeMs). */
  generateMs: number;
  /** The products on the GPU, with their generation and the hashing of the product before (the commitment's computeMs). */
  computeMs: number;
  /** Hashing rows and reducing them to the products' roots, on the GPU, and reading the roots back. */
  hashMs: number;
  /** The tree over the products' roots, on the CPU. */
  commitMs: number;
  /** All of it: the commitment's totalMs. */
  totalMs: number;
}

export interface GpuProof {
  commitment: Commitment;
  timings: ProofTimings;
  /** The rows asked for, with their proofs: the opened products computed again. Once. */
  open(request: OpenRequest): Promise<Opening>;
  /** Frees the GPU buffers kept for the opening, when there will be none (open frees them too). */
  discard(): void;
}

export interface ProveOptions {
  /** The product kernel (default: the simple register-blocked one). */
  matmul?: MatmulRunner;
  /** A monotonic clock in ms (default performance.now). */
  clock?: () => number;
}

/** The GPU buffers and pipelines of one challenge's products, reused from product to product. */
class ProductPipeline {
  private readonly a: GPUBuffer;
  private readonly b: GPUBuffer;
  readonly c: GPUBuffer;
  /** Every level of a product's tree, leaves first (treeLayout). */
  readonly tree: GPUBuffer;
  readonly leafCount: number;
  private readonly paramsA: GPUBuffer;
  private readonly paramsB: GPUBuffer;
  private readonly fillA: GPUBindGroup;
  private readonly fillB: GPUBindGroup;
  private readonly fill: GPUComputePipeline;
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
  ) {
    const { n } = challenge;
    const own = (buffer: GPUBuffer) => (this.owned.push(buffer), buffer);
    checkFits(device, n * n * 4, `a ${n}×${n} f32 matrix`);
    this.a = own(storageBuffer(device, n * n * 4, 'challenge A'));
    this.b = own(storageBuffer(device, n * n * 4, 'challenge B'));
    this.c = own(storageBuffer(device, n * n * 4, 'challenge C'));
    this.leafCount = n * leavesPerRow(n);
    const layout = treeLayout(this.leafCount);
    const root = layout[layout.length - 1]!;
    this.rootOffset = root.offset;
    this.tree = own(storageBuffer(device, (root.offset + 8) * 4, 'product tree'));
    this.paramsA = own(uniformBuffer(device, new Uint32Array(8), 'prng params A'));
    this.paramsB = own(uniformBuffer(device, new Uint32Array(8), 'prng params B'));
    this.fill = computePipeline(device, prngFillShader('f32'));
    const fillGroup = (params: GPUBuffer, out: GPUBuffer) =>
      device.createBindGroup({
        layout: this.fill.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: params } },
          { binding: 1, resource: { buffer: out } },
        ],
      });
    this.fillA = fillGroup(this.paramsA, this.a);
    this.fillB = fillGroup(this.paramsB, this.b);

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

  /** Generates A_p and B_p: submitted, not awaited (the product after it in the queue waits for it). */
  generate(product: number): void {
    const { n } = this.challenge;
    const seed = parseSeed(this.challenge.seed);
    const matrices = productMatrices(product);
    this.device.queue.writeBuffer(this.paramsA, 0, prngParams(seed, matrices.a, n, n));
    this.device.queue.writeBuffer(this.paramsB, 0, prngParams(seed, matrices.b, n, n));
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(this.fill);
    for (const group of [this.fillA, this.fillB]) {
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(...prngDispatch(n, n));
    }
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  multiply(matmul: MatmulRunner): Promise<void> {
    const { n } = this.challenge;
    return matmul(this.device, this.a, this.b, this.c, n, n, n);
  }

  /**
   * Hashes C's leaves and reduces them to the product's root, level by level, in the tree buffer;
   * with `rootInto`, copies the root there at `offset`. Submitted, not awaited: the queue keeps
   * the order.
   */
  hash(rootInto?: { buffer: GPUBuffer; offset: number }): void {
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
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
    this.device.queue.submit([encoder.finish()]);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const buffer of this.owned) buffer.destroy();
  }
}

/** Computes the challenge's products on the device and commits to them. */
export async function proveChallenge(
  device: GPUDevice,
  challenge: Challenge,
  options: ProveOptions = {},
): Promise<GpuProof> {
  const clock = options.clock ?? (() => performance.now());
  const matmul = options.matmul ?? registerBlockedMatmul;
  const { n, products } = challenge;
  const start = clock();
  const pipeline = new ProductPipeline(device, challenge);
  const roots = storageBuffer(device, products * 32, 'product roots');
  let generateMs = 0;
  let computeMs = 0;
  let hashMs = 0;
  let commitment: BatchCommitment;
  try {
    // One wait per product (the kernel's): the generation before it and the hashing of the
    // product before run in queue order, so computeMs holds them too; generateMs is what encoding
    // them took on the CPU.
    for (let p = 0; p < products; p++) {
      const t0 = clock();
      pipeline.generate(p);
      const t1 = clock();
      await pipeline.multiply(matmul);
      const t2 = clock();
      pipeline.hash({ buffer: roots, offset: p * 32 });
      generateMs += t1 - t0;
      computeMs += t2 - t1;
    }
    const hashStart = clock();
    const rootWords = new Uint32Array(await readBack(device, roots, products * 32));
    const hashed = clock();
    // Hashing overlaps the next product's generation; what is left of it shows here.
    hashMs = hashed - hashStart;
    commitment = new BatchCommitment(challenge, digestsFromWords(rootWords, products), {
      computeMs,
      totalMs: 0,
    });
  } catch (error) {
    pipeline.destroy();
    throw error;
  } finally {
    roots.destroy();
  }
  const end = clock();
  const timings: ProofTimings = {
    generateMs,
    computeMs,
    hashMs,
    commitMs: end - start - generateMs - computeMs - hashMs,
    totalMs: end - start,
  };
  const committed = { ...commitment.commitment, totalMs: timings.totalMs };

  return {
    commitment: committed,
    timings,
    async open(request: OpenRequest): Promise<Opening> {
      const leaves: Opening['leaves'] = new Array(request.leaves.length);
      const byProduct = new Map<number, number[]>();
      request.leaves.forEach((ref, t) =>
        byProduct.set(ref.product, [...(byProduct.get(ref.product) ?? []), t]),
      );
      try {
        for (const [product, indices] of byProduct) {
          if (!(Number.isInteger(product) && product >= 0 && product < products))
            throw new RangeError(`product ${product} outside 0..${products - 1}`);
          pipeline.generate(product);
          await pipeline.multiply(matmul);
          pipeline.hash();
          const tree = new Uint32Array(await readBack(device, pipeline.tree, pipeline.tree.size));
          for (const t of indices) {
            const ref = request.leaves[t]!;
            if (!(
              Number.isInteger(ref.row) &&
              ref.row >= 0 &&
              ref.row < n &&
              Number.isInteger(ref.chunk) &&
              ref.chunk >= 0 &&
              ref.chunk < leavesPerRow(n)
            )) {
              throw new RangeError(`leaf ${ref.chunk} of row ${ref.row} outside the ${n}×${n} product`);
            }
            const width = chunkWidth(n, ref.chunk);
            const values = new Float32Array(
              await readRange(device, pipeline.c, (ref.row * n + ref.chunk * leafWidth(n)) * 4, width * 4),
            );
            leaves[t] = commitment.openLeaf(
              ref,
              values,
              proofFromTreeWords(tree, pipeline.leafCount, leafIndex(n, ref)),
            );
          }
        }
      } finally {
        pipeline.destroy();
      }
      return { challengeId: challenge.id, leaves };
    },
    discard: () => pipeline.destroy(),
  };
}

/** `bytes` of a buffer from byte `offset`, copied back from the GPU. */
async function readRange(
  device: GPUDevice,
  source: GPUBuffer,
  offset: number,
  bytes: number,
): Promise<ArrayBuffer> {
  const staging = storageBuffer(device, bytes, 'opened leaf');
  try {
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(source, offset, staging, 0, Math.ceil(bytes / 4) * 4);
    device.queue.submit([encoder.finish()]);
    return await readBack(device, staging, bytes);
  } finally {
    staging.destroy();
  }
}

/**
 * A worker's challenges in flight: commits to each challenge it receives and answers the
 * verifier's open request for it (or `forget`s it).
 */
export class ChallengeResponder {
  private readonly pending = new Map<string, GpuProof>();

  constructor(
    private readonly device: GPUDevice,
    private readonly options: ProveOptions = {},
  ) {}

  async commit(challenge: Challenge): Promise<Commitment> {
    const proof = await proveChallenge(this.device, challenge, this.options);
    this.pending.set(challenge.id, proof);
    return proof.commitment;
  }

  open(request: OpenRequest): Promise<Opening> {
    const proof = this.pending.get(request.challengeId);
    if (!proof) throw new Error(`no commitment for challenge ${request.challengeId}`);
    this.pending.delete(request.challengeId);
    return proof.open(request);
  }

  forget(challengeId: string): void {
    this.pending.get(challengeId)?.discard();
    this.pending.delete(challengeId);
  }

  get inFlight(): number {
    return this.pending.size;
  }
}
