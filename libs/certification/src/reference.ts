/* eslint-disable @typescript-eslint/no-non-null-assertion -- hot loops over typed arrays, every index
   bounded by its loop: a fallback per access would cost in the verifier's innermost loops. */
/**
 * C_p = A_p·B_p on the CPU for a challenge: what an honest prover computes, for tests and
 * simulations at small sizes (n³ multiply-adds in JavaScript per product). The sums are exact
 * (prng.ts), so the result is the same as any correct f32 kernel's.
 */
import { Challenge } from './challenge';
import { generateMatrix, MatrixId, parseSeed } from './prng';
import { productMatrices } from './products';

/** A·B of two generated matrices, A m×k (matrix `a`), B k×n (matrix `b`), on the CPU, as f32. */
export function referenceMatmul(
  seedHex: string,
  matrices: { a: MatrixId; b: MatrixId },
  m: number,
  k: number,
  n: number,
): Float32Array {
  const seed = parseSeed(seedHex);
  const a = generateMatrix(seed, matrices.a, m, k);
  const b = generateMatrix(seed, matrices.b, k, n);
  const c = new Float32Array(m * n);
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let kk = 0; kk < k; kk++) {
      const x = a[i * k + kk]!;
      if (x === 0) continue;
      const base = kk * n;
      for (let j = 0; j < n; j++) row[j] = row[j]! + x * b[base + j]!;
    }
    c.set(row, i * n);
  }
  return c;
}

/** Product p of a challenge, C_p = A_p·B_p. */
export function referenceProduct(
  challenge: Pick<Challenge, 'seed' | 'n' | 'version' | 'products'>,
  product = 0,
): Float32Array {
  const { n } = challenge;
  return referenceMatmul(challenge.seed, productMatrices(challenge, product), n, n, n);
}

/** Every product of a challenge on the CPU. */
export function referenceProducts(
  challenge: Pick<Challenge, 'seed' | 'n' | 'version' | 'products'>,
): Float32Array[] {
  return Array.from({ length: challenge.products }, (_, p) => referenceProduct(challenge, p));
}
