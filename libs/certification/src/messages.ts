/**
 * The messages of the certification protocol, version 3 (docs/certification.md), and the verdict:
 * Challenge → Commitment → OpenRequest → Opening → Verdict. Plain JSON (encoding.ts).
 */
import type { Precision } from './tolerance';

/** The version of the challenges issued now. */
export const PROTOCOL_VERSION = 3;
/**
 * The versions a verifier and a worker accept: version 2's challenges (every product its own
 * matrices) may still be in flight when the services move to 3 (products on a grid, products.ts).
 */
export const PROTOCOL_VERSIONS = [2, 3] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];
export const isProtocolVersion = (x: unknown): x is ProtocolVersion =>
  (PROTOCOL_VERSIONS as readonly unknown[]).includes(x);

// The four messages are type aliases, not interfaces: plain JSON objects, so each is a
// Record<string, unknown> as the capacity contracts carry them, with no cast.
export type Challenge = {
  version: ProtocolVersion;
  id: string;
  /** 32 lowercase hex digits: the generator's 128-bit seed (prng.ts). */
  seed: string;
  /** Every product is of n×n matrices: C_p = A_p·B_p, the matrices by version (products.ts). */
  n: number;
  /** How many products, 1..MAX_PRODUCTS. */
  products: number;
  precision: Precision;
  /** The throughput being certified, TFLOP/s, for the whole node. */
  claimedTflops: number;
  /** Epoch ms, verifier's clock. */
  issuedAt: number;
  /** Epoch ms by which the commitment must be received. */
  deadline: number;
  /** How many leaves (a chunk of a row of a product) the verifier will open, drawn independently. */
  openLeaves: number;
  /** How many columns of each opened leaf it recomputes, drawn at random per leaf. */
  checkColumns: number;
};

export type Commitment = {
  challengeId: string;
  /** The challenge's seed, echoed. */
  seed: string;
  /** Root of the tree over the products' roots (merkle.ts), 64 hex digits. */
  root: string;
  /** The worker's own measure of the products' compute time, ms (informative, not trusted). */
  computeMs: number;
  /** The worker's time from receiving the challenge to the commitment, ms (informative). */
  totalMs: number;
};

/** A leaf of the commitment: chunk `chunk` (LEAF_WIDTH columns from chunk·LEAF_WIDTH) of row `row` of product `product`. */
export interface LeafRef {
  product: number;
  row: number;
  chunk: number;
}

export interface LeafRequest extends LeafRef {
  /** The columns of the leaf the verifier will recompute, as offsets in the chunk. */
  columns: number[];
}

export type OpenRequest = {
  challengeId: string;
  /** The leaves to open, in the order their openings must come (one may repeat). */
  leaves: LeafRequest[];
  /** Epoch ms the commitment was received (the verifier keeps this; it is no secret). */
  committedAt: number;
  /** Epoch ms by which the opening must be received. */
  respondBy: number;
};

export interface OpenedLeaf extends LeafRef {
  /** The chunk's f32 values (LEAF_WIDTH, fewer in a row's last chunk), little-endian, base64. */
  data: string;
  /** Sibling hashes from the leaf up to its product's root, then on up to the root (merkle.ts). */
  proof: string[];
}

export type Opening = {
  challengeId: string;
  leaves: OpenedLeaf[];
};

export type FailureReason =
  'PROOF_INVALID' | 'ROW_MISMATCH' | 'DEADLINE_MISSED' | 'MALFORMED' | 'SEED_MISMATCH';

export interface Failure {
  ok: false;
  reason: FailureReason;
  detail: string;
}

export interface Success {
  ok: true;
  /** flop over the verifier-measured time from issue to commitment, TFLOP/s. */
  measuredTflops: number;
  elapsedMs: number;
  flop: number;
  /** What the worker says its products took, and the TFLOP/s that would mean (not trusted). */
  reportedComputeMs: number;
  reportedTflops: number;
  products: number;
  openedLeaves: number;
  /** Elements recomputed, over every opened leaf. */
  checkedElements: number;
  /** Largest |ĉ − c| over the checked elements. */
  maxRowError: number;
}

export type Verdict = Success | Failure;

export const fail = (reason: FailureReason, detail: string): Failure => ({ ok: false, reason, detail });
