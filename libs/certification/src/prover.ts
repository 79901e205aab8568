/**
 * The prover's side of protocol version 2 once its products' row hashes are known: a tree per
 * product, a tree over the products' roots, the commitment, and the openings with their proofs.
 * Pure. The worker computes and hashes the products on its GPU and hands the roots here; tests and
 * simulations hand whole products computed on the CPU (`commitProducts`).
 */
import {
  Challenge,
  chunkWidth,
  Commitment,
  LeafRef,
  leafWidth,
  leavesPerRow,
  OpenedLeaf,
  Opening,
  OpenRequest,
} from './challenge';
import { encodeF32 } from './encoding';
import { hashRows, MerkleTree } from './merkle';

export interface ProverTiming {
  /** The products' compute time, ms. */
  computeMs: number;
  /** From receiving the challenge to the commitment, ms. */
  totalMs: number;
}

/** The commitment over the products' roots, and the proofs from a product's root up to it. */
export class BatchCommitment {
  readonly commitment: Commitment;
  private readonly top: MerkleTree;

  constructor(
    readonly challenge: Challenge,
    productRoots: readonly Buffer[],
    timing: ProverTiming,
  ) {
    if (productRoots.length !== challenge.products)
      throw new RangeError(
        `${productRoots.length} product roots for a challenge of ${challenge.products} products`,
      );
    this.top = new MerkleTree(productRoots);
    this.commitment = {
      challengeId: challenge.id,
      seed: challenge.seed,
      root: this.top.root,
      computeMs: timing.computeMs,
      totalMs: timing.totalMs,
    };
  }

  /** An opened leaf: its values, and its proof (`toProductRoot`: its siblings up to its product's root) on up to the root. */
  openLeaf(ref: LeafRef, values: Float32Array, toProductRoot: string[]): OpenedLeaf {
    return {
      product: ref.product,
      row: ref.row,
      chunk: ref.chunk,
      data: encodeF32(values),
      proof: [...toProductRoot, ...this.top.proof(ref.product)],
    };
  }
}

/** The index of a leaf in its product's tree: row by row, chunk by chunk. */
export const leafIndex = (n: number, ref: { row: number; chunk: number }): number =>
  ref.row * leavesPerRow(n) + ref.chunk;

/** The values of a leaf of a product (n×n row-major). */
export function leafValues(
  product: Float32Array,
  n: number,
  ref: { row: number; chunk: number },
): Float32Array {
  const first = ref.row * n + ref.chunk * leafWidth(n);
  return product.subarray(first, first + chunkWidth(n, ref.chunk));
}

/** Commits to products computed in full (each n×n row-major): the CPU prover of tests and simulations. */
export class CommittedProducts {
  readonly commitment: Commitment;
  private readonly batch: BatchCommitment;
  private readonly trees: MerkleTree[];

  constructor(
    readonly challenge: Challenge,
    readonly products: readonly Float32Array[],
    timing: ProverTiming,
  ) {
    const { n } = challenge;
    this.trees = products.map((c) => new MerkleTree(hashRows(c, n, n, leafWidth(n))));
    this.batch = new BatchCommitment(
      challenge,
      this.trees.map((t) => Buffer.from(t.root, 'hex')),
      timing,
    );
    this.commitment = this.batch.commitment;
  }

  open(request: OpenRequest): Opening {
    const { n } = this.challenge;
    return {
      challengeId: this.challenge.id,
      leaves: request.leaves.map((ref) =>
        this.batch.openLeaf(
          ref,
          leafValues(this.products[ref.product]!, n, ref),
          this.trees[ref.product]!.proof(leafIndex(n, ref)),
        ),
      ),
    };
  }
}

export function commitProducts(
  challenge: Challenge,
  products: readonly Float32Array[],
  timing: ProverTiming,
): CommittedProducts {
  return new CommittedProducts(challenge, products, timing);
}
