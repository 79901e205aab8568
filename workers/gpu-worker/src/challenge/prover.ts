/**
 * The worker's answer to a certification challenge (DESIGN.md §6): generate A and B on the GPU from
 * the seed, compute C = A·B there, read C back, commit to its rows, and later open what the verifier
 * asks for. The commitment and opening logic is the certification library's; this file is the GPU
 * part and the timing.
 *
 * Both precision tiers run the f32 kernel: the generator's entries are exact in f16, and f32
 * products and sums of them are exact too, so an f16 challenge gets the exact answer (and is
 * certified at the f32 kernel's speed until an f16 kernel is plugged in as the MatmulRunner).
 */
import { Challenge, CommittedProduct, Commitment, hashRows, MATRIX_A, MATRIX_B, MerkleTree, Opening, OpenRequest } from '@gpux/certification';
import { generateOnGpu } from './generate';
import { checkFits, readBack, storageBuffer } from './gpu-buffers';
import { MatmulRunner, registerBlockedMatmul } from './matmul';

export interface ProofTimings {
  /** Generating A and B on the GPU. */
  generateMs: number;
  /** The product on the GPU (the commitment's computeMs). */
  computeMs: number;
  /** Copying C back to the CPU. */
  readbackMs: number;
  /** Hashing C's rows and building the Merkle tree. */
  commitMs: number;
  /** All of it: the commitment's totalMs. */
  totalMs: number;
}

export interface GpuProof {
  product: CommittedProduct;
  commitment: Commitment;
  timings: ProofTimings;
}

export interface ProveOptions {
  /** The product kernel (default: the simple register-blocked one). */
  matmul?: MatmulRunner;
  /** A monotonic clock in ms (default performance.now). */
  clock?: () => number;
}

/** Computes the challenge's product on the device and commits to it. */
export async function proveChallenge(device: GPUDevice, challenge: Challenge, options: ProveOptions = {}): Promise<GpuProof> {
  const clock = options.clock ?? (() => performance.now());
  const matmul = options.matmul ?? registerBlockedMatmul;
  const { m, k, n } = challenge;
  const start = clock();
  checkFits(device, m * n * 4, `C (${m}×${n} f32)`);
  const buffers: GPUBuffer[] = [];
  try {
    const a = await generateOnGpu(device, challenge.seed, MATRIX_A, m, k);
    buffers.push(a);
    const b = await generateOnGpu(device, challenge.seed, MATRIX_B, k, n);
    buffers.push(b);
    const c = storageBuffer(device, m * n * 4, 'challenge C');
    buffers.push(c);
    const generated = clock();
    await matmul(device, a, b, c, m, n, k);
    const computed = clock();
    const values = new Float32Array(await readBack(device, c, m * n * 4));
    const readDone = clock();
    const tree = new MerkleTree(hashRows(values, m, n));
    const end = clock();
    const timings: ProofTimings = { generateMs: generated - start, computeMs: computed - generated, readbackMs: readDone - computed, commitMs: end - readDone, totalMs: end - start };
    const product = new CommittedProduct(challenge, values, tree, timings);
    return { product, commitment: product.commitment, timings };
  } finally {
    for (const buffer of buffers) buffer.destroy();
  }
}

/**
 * A worker's challenges in flight: commits to each challenge it receives and keeps C until the
 * verifier's open request for it arrives (or `forget` is called).
 */
export class ChallengeResponder {
  private readonly pending = new Map<string, CommittedProduct>();

  constructor(
    private readonly device: GPUDevice,
    private readonly options: ProveOptions = {},
  ) {}

  async commit(challenge: Challenge): Promise<Commitment> {
    const proof = await proveChallenge(this.device, challenge, this.options);
    this.pending.set(challenge.id, proof.product);
    return proof.commitment;
  }

  open(request: OpenRequest): Opening {
    const product = this.pending.get(request.challengeId);
    if (!product) throw new Error(`no commitment for challenge ${request.challengeId}`);
    this.pending.delete(request.challengeId);
    return product.open(request);
  }

  forget(challengeId: string): void {
    this.pending.delete(challengeId);
  }

  get inFlight(): number {
    return this.pending.size;
  }
}
