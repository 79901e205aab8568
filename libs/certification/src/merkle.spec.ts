import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { hashRows, leafHash, MerkleTree, nodeHash, verifyProof } from './merkle';

const leavesOf = (count: number, salt = 0) =>
  Array.from({ length: count }, (_, i) => leafHash(Buffer.from(`row ${i} ${salt}`)));
const flipHexDigit = (h: string, at: number) =>
  h.slice(0, at) + (Number.parseInt(h[at]!, 16) ^ 1).toString(16) + h.slice(at + 1);

describe('Merkle commitment over rows', () => {
  it('separates leaves from inner nodes', () => {
    const row = Buffer.from('a row');
    expect(leafHash(row)).toEqual(
      createHash('sha256')
        .update(Buffer.from([0, 0, 0, 0]))
        .update(row)
        .digest(),
    );
    expect(nodeHash(row, row)).toEqual(
      createHash('sha256')
        .update(Buffer.from([0, 0, 0, 1]))
        .update(row)
        .update(row)
        .digest(),
    );
    const [l0, l1] = leavesOf(2);
    // The bytes of an inner node, offered as a row, hash to something else.
    expect(leafHash(Buffer.concat([l0!, l1!]))).not.toEqual(nodeHash(l0!, l1!));
    expect(new MerkleTree(leavesOf(2)).root).toBe(nodeHash(l0!, l1!).toString('hex'));
  });

  it('promotes the odd node: three leaves are node(node(l0, l1), l2), not a tree of four', () => {
    const [l0, l1, l2] = leavesOf(3);
    const three = new MerkleTree([l0!, l1!, l2!]);
    expect(three.root).toBe(nodeHash(nodeHash(l0!, l1!), l2!).toString('hex'));
    expect(new MerkleTree([l0!, l1!, l2!, l2!]).root).not.toBe(three.root);
    expect(three.proof(2)).toEqual([nodeHash(l0!, l1!).toString('hex')]);
    expect(new MerkleTree([l0!]).root).toBe(l0!.toString('hex'));
    expect(new MerkleTree([l0!]).proof(0)).toEqual([]);
  });

  it('hashes the rows of a matrix as little-endian f32 bytes', () => {
    const m = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const [, second] = hashRows(m, 2, 3);
    const bytes = Buffer.alloc(12);
    [4, 5, 6].forEach((v, i) => bytes.writeFloatLE(v, i * 4));
    expect(second).toEqual(leafHash(bytes));
  });

  it('every proof verifies, and any tampered leaf, proof, index or size fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.nat(), fc.nat(), (count, pick, salt) => {
        const leaves = leavesOf(count, salt);
        const tree = new MerkleTree(leaves);
        const index = pick % count;
        const proof = tree.proof(index);
        const leaf = leaves[index]!;
        expect(verifyProof(tree.root, leaf, index, count, proof)).toBe(true);
        // another leaf, at this index
        if (count > 1)
          expect(verifyProof(tree.root, leaves[(index + 1) % count]!, index, count, proof)).toBe(false);
        const flipped = Buffer.from(leaf);
        flipped[salt % 32]! ^= 1 << (pick % 8);
        expect(verifyProof(tree.root, flipped, index, count, proof)).toBe(false);
        // another index, or one outside the tree (the leaf count is the challenge's m, never the prover's)
        if (count > 1) expect(verifyProof(tree.root, leaf, (index + 1) % count, count, proof)).toBe(false);
        expect(verifyProof(tree.root, leaf, count, count, proof)).toBe(false);
        expect(verifyProof(tree.root, leaf, -1, count, proof)).toBe(false);
        // a changed, missing or extra sibling
        proof.forEach((_, s) => {
          const bad = [...proof];
          bad[s] = flipHexDigit(bad[s]!, (pick + s) % 64);
          expect(verifyProof(tree.root, leaf, index, count, bad)).toBe(false);
        });
        if (proof.length > 0) expect(verifyProof(tree.root, leaf, index, count, proof.slice(1))).toBe(false);
        expect(verifyProof(tree.root, leaf, index, count, [...proof, tree.root])).toBe(false);
        // another root
        expect(verifyProof(flipHexDigit(tree.root, pick % 64), leaf, index, count, proof)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects malformed proofs instead of throwing', () => {
    const leaves = leavesOf(5);
    const tree = new MerkleTree(leaves);
    const proof = tree.proof(1);
    expect(verifyProof(tree.root, leaves[1]!, 1, 5, [proof[0]!.toUpperCase(), ...proof.slice(1)])).toBe(
      false,
    );
    expect(verifyProof(tree.root, leaves[1]!, 1, 5, ['zz', ...proof.slice(1)])).toBe(false);
    expect(verifyProof(tree.root, leaves[1]!, 1.5, 5, proof)).toBe(false);
    expect(verifyProof('not a root', leaves[1]!, 1, 5, proof)).toBe(false);
    expect(verifyProof(tree.root, leaves[1]!, 1, 5, null as unknown as string[])).toBe(false);
    expect(() => tree.proof(5)).toThrow(RangeError);
  });
});
