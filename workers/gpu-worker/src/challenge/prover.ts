/**
 * The worker's answer to a certification challenge (protocol version 2, docs/certification.md):
 * for each product p, generate A_p and B_p on the GPU from the seed, compute C_p = A_p·B_p there,
 * hash every row chunk (a leaf) of C_p on the GPU and reduce the hashes to the product's root there
 * too; only the roots come back to the CPU, where the tree over them gives the commitment. Nothing
 * of the products is kept: an open request is answered by computing the opened products again
 * with the same kernel on the same inputs (the same bits, so the same tree), reading back their
 * trees (every level, so no hashing on the CPU) and the opened leaves.
 *
 * An f16 challenge runs the f16 kernel when one is given (`matmulF16`), else the f32 kernel: the
 * generator's entries are exact in f16 and f32 sums of their products are exact, so the f32
 * kernel gives an f16 challenge the exact answer (product-pipeline.ts).
 *
 * A proof can be stopped (`signal`: a spot check that supersedes a certification): it submits no
 * product after its signal aborts, waits for those already queued, frees its buffers and rejects
 * with ProofAbortedError. Not stopped, it is the same proof, bit for bit.
 */
import {
  BatchCommitment,
  Challenge,
  chunkWidth,
  Commitment,
  digestsFromWords,
  leafIndex,
  leafWidth,
  Opening,
  OpenRequest,
  proofFromTreeWords,
} from '@gpux/certification';
import { BadChallengeError, checkChallenge, leafProblem } from './bad-challenge';
import { readBack, storageBuffer } from './gpu-buffers';
import { MatmulRunner, registerBlockedMatmul } from './matmul';
import { ProductPipeline } from './product-pipeline';

export interface ProofTimings {
  /** Recording the products' submissions (or their generation) on the CPU. */
  generateMs: number;
  /** The products on the GPU, with their generation and hashing (the commitment's computeMs); recorded products: their recording too. */
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
  /**
   * The rows asked for, with their proofs: the opened products computed again. Once. `signal` stops
   * it: no product is submitted, nor leaf read back, after it aborts; it rejects with
   * ProofAbortedError and frees the buffers.
   */
  open(request: OpenRequest, signal?: AbortSignal): Promise<Opening>;
  /** Frees the GPU buffers kept for the opening, when there will be none (open frees them too). */
  discard(): void;
}

export interface ProveOptions {
  /** The product kernel (default: the simple register-blocked one). */
  matmul?: MatmulRunner;
  /** The f16 kernel (f16 A, B and C) for f16 challenges; without it they run the f32 kernel. */
  matmulF16?: MatmulRunner;
  /** A monotonic clock in ms (default performance.now). */
  clock?: () => number;
  /** Bytes the kept B matrices of a version 3 challenge may take (product-pipeline.ts). */
  cacheBytes?: number;
  /**
   * Stops the proof: once it aborts, no further product is submitted; the products already queued
   * on the GPU are waited for, the buffers freed, and the proof rejects with ProofAbortedError.
   */
  signal?: AbortSignal;
}

/** A proof stopped by its signal (ProveOptions.signal): nothing of it is left to commit or discard. */
export class ProofAbortedError extends Error {
  constructor(readonly challengeId: string) {
    super(`the proof of challenge ${challengeId} was stopped`);
    this.name = 'ProofAbortedError';
  }
}

/** Products submitted and not yet known to be done, at most (queue order keeps them apart). */
export const IN_FLIGHT = 4;

/** Computes the challenge's products on the device and commits to them. */
export async function proveChallenge(
  device: GPUDevice,
  challenge: Challenge,
  options: ProveOptions = {},
): Promise<GpuProof> {
  const clock = options.clock ?? (() => performance.now());
  const kernels = {
    f32: options.matmul ?? registerBlockedMatmul,
    ...(options.matmulF16 ? { f16: options.matmulF16 } : {}),
  };
  const { n, products } = challenge;
  const { signal } = options;
  // Its version, size, count and seed, before anything is sized from them.
  checkChallenge(challenge);
  if (signal?.aborted) throw new ProofAbortedError(challenge.id);
  const start = clock();
  const pipeline = new ProductPipeline(
    device,
    challenge,
    kernels,
    options.cacheBytes === undefined ? {} : { cacheBytes: options.cacheBytes },
  );
  const roots = storageBuffer(device, products * 32, 'product roots');
  let generateMs = 0;
  let computeMs = 0;
  let hashMs = 0;
  let commitMs = 0;
  let commitment: BatchCommitment;
  try {
    if (pipeline.recordable) {
      // Each product is one submission (its generation, product and hashing), submitted while the
      // products ahead of it still run: the GPU always has the next ones queued, and the CPU waits
      // for the oldest of IN_FLIGHT, never between products. A tensor-core product at n = 4096 is
      // a fraction of a millisecond, less than one round of recording and waking up, so one
      // product queued ahead would not be enough there. generateMs is the recording on the CPU.
      device.pushErrorScope('validation');
      const inFlight: Promise<void>[] = [];
      const t0 = clock();
      let failed: { error: unknown } | undefined;
      try {
        for (let p = 0; p < products; p++) {
          if (signal?.aborted) {
            // Stopped: nothing more submitted; what is queued already finishes before the buffers go.
            await Promise.all(inFlight);
            throw new ProofAbortedError(challenge.id);
          }
          const recording = clock();
          pipeline.submitProduct(p, { buffer: roots, offset: p * 32 });
          generateMs += clock() - recording;
          inFlight.push(device.queue.onSubmittedWorkDone());
          if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
        }
        await Promise.all(inFlight);
      } catch (error) {
        failed = { error };
      }
      computeMs = clock() - t0; // the recording overlaps the GPU's work, so it is inside this too
      // Popped whatever happened, so that no later scope on this device is this one.
      const invalid = await device.popErrorScope();
      if (failed) throw failed.error;
      if (invalid) throw new Error(`the challenge's products: WebGPU validation failed: ${invalid.message}`);
    } else {
      // A kernel that cannot be recorded (a test's cheater): one wait per product (the kernel's);
      // the generation before it and the hashing of the product before run in queue order, so
      // computeMs holds them too; generateMs is what encoding them took on the CPU.
      for (let p = 0; p < products; p++) {
        if (signal?.aborted) throw new ProofAbortedError(challenge.id);
        const t0 = clock();
        pipeline.generate(p);
        const t1 = clock();
        await pipeline.multiply();
        const t2 = clock();
        pipeline.hash({ buffer: roots, offset: p * 32 });
        generateMs += t1 - t0;
        computeMs += t2 - t1;
      }
    }
    if (signal?.aborted) throw new ProofAbortedError(challenge.id);
    const hashStart = clock();
    const rootWords = new Uint32Array(await readBack(device, roots, products * 32));
    const hashed = clock();
    // Hashing overlaps the next product's generation; what is left of it shows here.
    hashMs = hashed - hashStart;
    commitment = new BatchCommitment(challenge, digestsFromWords(rootWords, products), {
      computeMs,
      totalMs: 0,
    });
    commitMs = clock() - hashed;
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
    commitMs,
    totalMs: end - start,
  };
  const committed = { ...commitment.commitment, totalMs: timings.totalMs };

  return {
    commitment: committed,
    timings,
    async open(request: OpenRequest, stop?: AbortSignal): Promise<Opening> {
      const stopped = () => {
        if (stop?.aborted) throw new ProofAbortedError(challenge.id);
      };
      const leaves: Opening['leaves'] = new Array(request.leaves.length);
      const byProduct = new Map<number, number[]>();
      try {
        // Every leaf checked before any product is computed again: one outside the challenge is
        // the request's fault (BadChallengeError), not the GPU's.
        request.leaves.forEach((ref, t) => {
          const leaf = leafProblem(ref, challenge);
          if (leaf) throw new BadChallengeError(`its open request's leaf ${t}: ${leaf}`);
          byProduct.set(ref.product, [...(byProduct.get(ref.product) ?? []), t]);
        });
        for (const [product, indices] of byProduct) {
          stopped();
          if (pipeline.recordable) pipeline.submitProduct(product);
          else {
            pipeline.generate(product);
            await pipeline.multiply();
            pipeline.hash();
          }
          const tree = new Uint32Array(await readBack(device, pipeline.tree, pipeline.tree.size));
          for (const t of indices) {
            stopped();
            const ref = request.leaves[t]!;
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
