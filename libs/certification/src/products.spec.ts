import { gridSide, productMatrices } from './products';

describe('the matrices of a product', () => {
  it('version 2: every product its own two matrices', () => {
    const challenge = { version: 2, products: 9 } as const;
    expect([0, 1, 8].map((p) => productMatrices(challenge, p))).toEqual([
      { a: 0, b: 1 },
      { a: 2, b: 3 },
      { a: 16, b: 17 },
    ]);
  });

  it('version 3: the cells of a grid of side ⌈√P⌉, row by row', () => {
    const challenge = { version: 3, products: 7 } as const; // a 3×3 grid, its last row short
    expect(Array.from({ length: 7 }, (_, p) => productMatrices(challenge, p))).toEqual([
      { a: 0, b: 1 },
      { a: 0, b: 3 },
      { a: 0, b: 5 },
      { a: 2, b: 1 },
      { a: 2, b: 3 },
      { a: 2, b: 5 },
      { a: 4, b: 1 },
    ]);
  });

  it('version 3: no two products multiply the same pair, and A and B never share a matrix', () => {
    for (const products of [1, 2, 3, 4, 5, 15, 16, 17, 195, 1000]) {
      const pairs = Array.from({ length: products }, (_, p) => productMatrices({ version: 3, products }, p));
      expect(new Set(pairs.map(({ a, b }) => `${a},${b}`)).size).toBe(products);
      expect(pairs.every(({ a, b }) => a % 2 === 0 && b % 2 === 1)).toBe(true);
    }
  });

  it('the grid side is the least s with s² ≥ P, exact for large perfect squares', () => {
    expect([1, 2, 4, 5, 9, 10].map(gridSide)).toEqual([1, 2, 2, 3, 3, 4]);
    expect(gridSide(1 << 20)).toBe(1024);
    expect(gridSide((1 << 20) + 1)).toBe(1025);
    expect(gridSide(4095 * 4095)).toBe(4095);
    expect(gridSide(4095 * 4095 + 1)).toBe(4096);
  });
});
