/* eslint-disable @typescript-eslint/no-non-null-assertion -- hot loops over typed arrays, every index
   bounded by its loop: a fallback per access would cost in the verifier's innermost loops. */
/**
 * C = A·B on the CPU for a challenge: what an honest prover computes, for tests and simulations at
 * small sizes (m·n·k multiply-adds in JavaScript). The sums are exact (prng.ts), so the result is
 * the same as any correct f32 kernel's.
 */
import { Challenge } from './challenge';
import { generateMatrix, MATRIX_A, MATRIX_B, parseSeed } from './prng';

export function referenceProduct(challenge: Pick<Challenge, 'seed' | 'm' | 'k' | 'n'>): Float32Array {
  const { m, k, n } = challenge;
  const seed = parseSeed(challenge.seed);
  const a = generateMatrix(seed, MATRIX_A, m, k);
  const b = generateMatrix(seed, MATRIX_B, k, n);
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
