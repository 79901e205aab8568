/**
 * Which two generated matrices (prng.ts) product p of a challenge multiplies: a rule of the
 * protocol, so it depends on the challenge's version (docs/certification.md, "Generation").
 *
 * - Version 2: every product has its own matrices, A_p = matrix 2p and B_p = matrix 2p + 1.
 * - Version 3: the products are the cells of a grid of side s = ⌈√P⌉, row-major: product
 *   p = i·s + j multiplies A_i = matrix 2i by B_j = matrix 2j + 1. Each product is still a full
 *   n×n×n product of fresh matrices; a worker generates about 2√P matrices instead of 2P, which
 *   at the local demo's small n is a fifth of a product's time on a CPU-emulated adapter.
 */
import type { MatrixId } from './prng';
import type { ProtocolVersion } from './messages';

/** The side of version 3's grid for P products: the least s with s² ≥ P. */
export function gridSide(products: number): number {
  let s = Math.ceil(Math.sqrt(products));
  while (s > 1 && (s - 1) * (s - 1) >= products) s--;
  while (s * s < products) s++;
  return s;
}

/** The matrices of product p of a challenge (`version`, `products`), by the challenge's version. */
export function productMatrices(
  challenge: { version: ProtocolVersion; products: number },
  p: number,
): { a: MatrixId; b: MatrixId } {
  if (challenge.version === 2) return { a: 2 * p, b: 2 * p + 1 };
  const s = gridSide(challenge.products);
  return { a: 2 * Math.floor(p / s), b: 2 * (p % s) + 1 };
}
