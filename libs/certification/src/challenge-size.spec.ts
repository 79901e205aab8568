import { challengeSizeFor, DEFAULT_SIZING, productMsAt, sizingError } from './challenge-size';

describe('the size of a challenge follows the claim', () => {
  it('a CPU-emulated adapter stays at the smallest size; a data-centre GPU gets products of milliseconds', () => {
    // lavapipe claims about 0.01 TFLOP/s: a product at 1024, the smallest size, takes 215 ms.
    expect(challengeSizeFor(0.01)).toBe(1024);
    // An H200 with today's kernels (about 1.5 TFLOP/s claimed): 0.7 ms at 1024, 11 ms at 2048.
    expect(challengeSizeFor(1.5)).toBe(2048);
    // The f32 claim of tuned kernels (25 TFLOP/s): 5.5 ms at 4096.
    expect(challengeSizeFor(25)).toBe(4096);
    // Tensor cores in f16 (400 TFLOP/s): the largest size, though a product is under 5 ms there.
    expect(challengeSizeFor(400)).toBe(8192);
  });

  it('is the smallest doubling of minSize whose product takes productMs at the claim', () => {
    for (const claim of [1e-6, 0.003, 0.05, 0.2, 0.6, 2, 7, 30, 90, 1000]) {
      const n = challengeSizeFor(claim);
      expect([1024, 2048, 4096, 8192]).toContain(n);
      if (n < DEFAULT_SIZING.maxSize)
        expect(productMsAt(n, claim)).toBeGreaterThanOrEqual(DEFAULT_SIZING.productMs);
      if (n > DEFAULT_SIZING.minSize)
        expect(productMsAt(n / 2, claim)).toBeLessThan(DEFAULT_SIZING.productMs);
    }
  });

  it('never grows as the claim falls, and stops at maxSize even when it is no doubling of minSize', () => {
    const claims = Array.from({ length: 100 }, (_, i) => 10 ** (i / 10 - 5));
    const sizes = claims.map((c) => challengeSizeFor(c, { minSize: 100, maxSize: 3000, productMs: 5 }));
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(new Set(sizes)).toEqual(new Set([100, 200, 400, 800, 1600, 3000]));
  });

  it('a claim that is no positive number gets the smallest size; a sizing that cannot be used throws', () => {
    for (const claim of [0, -1, NaN, Infinity]) expect(challengeSizeFor(claim)).toBe(1024);
    expect(challengeSizeFor(5, { minSize: 64, maxSize: 64, productMs: 5 })).toBe(64);
    expect(sizingError(DEFAULT_SIZING)).toBeNull();
    expect(() => challengeSizeFor(1, { minSize: 512, maxSize: 256, productMs: 5 })).toThrow(
      'the largest challenge size must be an integer in 512..65536, got 256',
    );
    expect(sizingError({ minSize: 0, maxSize: 8, productMs: 1 })).toMatch(/smallest challenge size/);
    expect(sizingError({ minSize: 8, maxSize: 8, productMs: -1 })).toMatch(/time of a product/);
  });
});
