/**
 * The commitment's Merkle trees (protocol version 2, docs/certification.md): binary trees of
 * SHA-256 hashes, computed on the worker's GPU (merkle-wgsl.ts, bit-identical) and checked here.
 *
 *   leaf(row)     = sha256(00 00 00 00 ‖ bytes of the row)   (N f32 values, little-endian)
 *   node(l, r)    = sha256(00 00 00 01 ‖ l ‖ r)
 *   odd level     : the last node has no sibling and moves up to the next level unchanged
 *   root          = the single node of the top level (a one-leaf tree's root is its leaf)
 *
 * The 4-byte tags keep every message word-aligned (SHA-256 reads big-endian 32-bit words, so the
 * GPU hashes a row without shifting bytes) and separate leaves from inner nodes, so no inner node
 * can be passed off as a row (second-preimage attack on untagged trees). Promoting the odd node,
 * instead of pairing it with a copy of itself as Bitcoin does, means no two different leaf lists
 * share a root (Bitcoin's duplication lets [a, b, c] and [a, b, c, c] collide). The leaf count is
 * fixed by the challenge, so the verifier knows the tree's shape and which levels of a proof have
 * no sibling. A proof is the list of sibling hashes from the leaf up, skipping the levels where the
 * node was promoted; hashes travel as 64 lowercase hex digits.
 */
import { createHash } from 'node:crypto';

const LEAF = Buffer.from([0x00, 0x00, 0x00, 0x00]);
const NODE = Buffer.from([0x00, 0x00, 0x00, 0x01]);
const HASH_HEX = /^[0-9a-f]{64}$/;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function leafHash(rowBytes: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF).update(rowBytes).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
}

/** The bytes of row `row` of a row-major matrix with `cols` columns, little-endian f32. */
export function rowBytes(matrix: Float32Array, row: number, cols: number): Uint8Array {
  if (!LITTLE_ENDIAN)
    throw new Error('certification rows are little-endian f32: this platform is big-endian');
  return new Uint8Array(matrix.buffer, matrix.byteOffset + row * cols * 4, cols * 4);
}

/**
 * The leaf hash of every chunk of every row of a rows×cols matrix, row by row: chunks of `width`
 * columns (a row's last one may be narrower); leaf r·ceil(cols/width) + h is chunk h of row r.
 * With width = cols (the default), a leaf per row.
 */
export function hashRows(matrix: Float32Array, rows: number, cols: number, width = cols): Buffer[] {
  if (matrix.length !== rows * cols)
    throw new RangeError(`matrix has ${matrix.length} values, expected ${rows}×${cols}`);
  const chunks = Math.ceil(cols / width);
  const leaves: Buffer[] = [];
  for (let i = 0; i < rows; i++) {
    const row = rowBytes(matrix, i, cols);
    for (let h = 0; h < chunks; h++)
      leaves.push(leafHash(row.subarray(h * width * 4, Math.min(cols, (h + 1) * width) * 4)));
  }
  return leaves;
}

export class MerkleTree {
  /** levels[0] are the leaves, the last level holds the root alone. */
  private readonly levels: Buffer[][];

  constructor(leaves: readonly Buffer[]) {
    if (leaves.length === 0) throw new RangeError('a Merkle tree needs at least one leaf');
    let level = [...leaves];
    const levels: Buffer[][] = [level];
    while (level.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i < level.length; i += 2) {
        const [left, right] = [level[i], level[i + 1]];
        if (left && right) next.push(nodeHash(left, right));
        else if (left) next.push(left); // the odd last node moves up unchanged
      }
      levels.push(next);
      level = next;
    }
    this.levels = levels;
  }

  get leafCount(): number {
    return this.levels[0]?.length ?? 0;
  }

  get root(): string {
    return (this.levels[this.levels.length - 1]?.[0] ?? Buffer.alloc(0)).toString('hex');
  }

  /** The sibling hashes from leaf `index` to the root. */
  proof(index: number): string[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.leafCount)
      throw new RangeError(`leaf ${index} outside 0..${this.leafCount - 1}`);
    const siblings: string[] = [];
    for (let l = 0, i = index; l < this.levels.length - 1; l++, i >>= 1) {
      const sibling = this.levels[l]?.[i ^ 1];
      if (sibling) siblings.push(sibling.toString('hex'));
    }
    return siblings;
  }
}

/**
 * The root that `proof` leads to from `leaf`, leaf `index` of a `leafCount`-leaf tree, and how many
 * of the proof's hashes that took (a proof may go on into a tree above this one). Null for any
 * malformed input (bad index or hex, a proof too short).
 */
export function proofRoot(
  leaf: Uint8Array,
  index: number,
  leafCount: number,
  proof: readonly unknown[],
): { root: Buffer; used: number } | null {
  if (
    !Number.isInteger(leafCount) ||
    leafCount < 1 ||
    !Number.isInteger(index) ||
    index < 0 ||
    index >= leafCount ||
    !Array.isArray(proof)
  )
    return null;
  let hash: Buffer = Buffer.from(leaf);
  let used = 0;
  for (let width = leafCount, i = index; width > 1; width = Math.ceil(width / 2), i >>= 1) {
    const sibling = i ^ 1;
    if (sibling >= width) continue; // the odd last node, promoted
    const s = proof[used++];
    if (typeof s !== 'string' || !HASH_HEX.test(s)) return null;
    const other = Buffer.from(s, 'hex');
    hash = i % 2 === 0 ? nodeHash(hash, other) : nodeHash(other, hash);
  }
  return { root: hash, used };
}

/**
 * Whether `leaf` is leaf `index` of a `leafCount`-leaf tree with root `root`, by `proof`. Every
 * malformed input (bad index or hex, a proof too short or too long) is simply false.
 */
export function verifyProof(
  root: string,
  leaf: Uint8Array,
  index: number,
  leafCount: number,
  proof: readonly string[],
): boolean {
  if (!HASH_HEX.test(root)) return false;
  const walked = proofRoot(leaf, index, leafCount, proof);
  return walked !== null && walked.used === proof.length && walked.root.toString('hex') === root;
}
