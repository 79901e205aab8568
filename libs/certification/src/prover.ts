/**
 * The prover's side once C is computed (on a GPU, or on the CPU in tests): hash the rows, build the
 * Merkle tree, commit, and answer the open request with the rows, their proofs and C·r. Pure: the
 * worker reads C back from its device and hands it here.
 */
import { Challenge, Commitment, Opening, OpenRequest } from './challenge';
import { encodeF32, encodeF64 } from './encoding';
import { timesVector } from './freivalds';
import { hashRows, MerkleTree } from './merkle';

export interface ProverTiming {
  /** The product's compute time, ms. */
  computeMs: number;
  /** From receiving the challenge to the commitment, ms. */
  totalMs: number;
}

export class CommittedProduct {
  readonly commitment: Commitment;

  /** `c` is m×n row-major f32, as computed; the tree is over its rows. */
  constructor(
    readonly challenge: Challenge,
    readonly c: Float32Array,
    private readonly tree: MerkleTree,
    timing: ProverTiming,
  ) {
    this.commitment = { challengeId: challenge.id, seed: challenge.seed, root: tree.root, computeMs: timing.computeMs, totalMs: timing.totalMs };
  }

  /** The answer to an open request: requested rows in its order, their proofs, C·r per vector. */
  open(request: OpenRequest): Opening {
    const { m, n } = this.challenge;
    return {
      challengeId: this.challenge.id,
      rows: request.rows.map((index) => ({ index, data: encodeF32(this.c.subarray(index * n, (index + 1) * n)), proof: this.tree.proof(index) })),
      cr: request.r.map((r) => encodeF64(timesVector(this.c, m, n, r))),
    };
  }
}

/** Commits to C (m×n row-major): hashes its rows and builds the tree. */
export function commitProduct(challenge: Challenge, c: Float32Array, timing: ProverTiming): CommittedProduct {
  return new CommittedProduct(challenge, c, new MerkleTree(hashRows(c, challenge.m, challenge.n)), timing);
}
