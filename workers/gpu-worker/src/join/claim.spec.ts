import { Challenge, flopOf } from '@gpux/certification';
import { CLAIM_SAMPLE_MS, claimToState, measureClaim, SAFETY_FACTOR } from './claim';

/** A GPU whose proofs cost `fixedMs` each plus `productMs` per product; the first proof compiles for `compileMs`. */
function gpu(fixedMs: number, productMs: number, compileMs = 0) {
  const proofs: number[] = [];
  const prove = (challenge: Challenge) => {
    proofs.push(challenge.products);
    return Promise.resolve((proofs.length === 1 ? compileMs : 0) + fixedMs + productMs * challenge.products);
  };
  return { prove, proofs };
}

const tflops = (n: number, productMs: number) => flopOf({ n, products: 1 }) / (productMs / 1000) / 1e12;

describe('measureClaim', () => {
  it("claims the products' rate, not one proof's time, where a proof's fixed costs dwarf a product (lavapipe at n = 512)", async () => {
    const { prove, proofs } = gpu(100, 15, 2_000);
    const claim = await measureClaim(prove, 512, 'f32');
    expect(claim.measuredTflops).toBeCloseTo(tflops(512, 15), 10);
    expect(claim.claimTflops).toBeCloseTo(SAFETY_FACTOR * tflops(512, 15), 10);
    expect(claim).toMatchObject({ size: 512, safetyFactor: SAFETY_FACTOR });
    // The warm-up, then proofs grown until one runs CLAIM_SAMPLE_MS, then each of the two, twice.
    const long = Math.max(...proofs);
    expect(100 + 15 * long).toBeGreaterThanOrEqual(CLAIM_SAMPLE_MS);
    expect(proofs.slice(-4)).toEqual([1, long, 1, long]);
  });

  it('does the same on a GPU whose products take microseconds, up to the most products a claim takes', async () => {
    const { prove, proofs } = gpu(5, 0.011);
    const claim = await measureClaim(prove, 512, 'f32', { maxProducts: 4_096 });
    expect(Math.max(...proofs)).toBe(4_096);
    expect(claim.measuredTflops).toBeCloseTo(tflops(512, 0.011), 6);
  });

  it('times a single product where one proof already runs the sample, and the slowest of each counts', async () => {
    const times = [900, 1_300, 1_500, 1_400];
    const prove = () => Promise.resolve(times.shift() ?? 0);
    const claim = await measureClaim(prove, 4096, 'f16');
    expect(claim.measuredTflops).toBeCloseTo(tflops(4096, 1_500), 10);
  });

  it('never claims more than the long proof alone says when the one-product proofs were slower', async () => {
    // A noisy machine: the one-product proofs took longer than the long one.
    let call = 0;
    const prove = (challenge: Challenge) =>
      Promise.resolve(challenge.products === 1 ? (call++ < 2 ? 50 : 900) : 20 + 10 * challenge.products);
    const claim = await measureClaim(prove, 512, 'f32', { sampleMs: 100 });
    expect(claim.measuredTflops).toBeLessThanOrEqual(tflops(512, 10) * 1.0001);
    expect(claim.measuredTflops).toBeGreaterThan(0);
  });
});

describe('claimToState', () => {
  const measured = { claimTflops: 10, measuredTflops: 20, size: 4096, safetyFactor: 0.5 };

  it('states half the rate where the market asks no more, or where it asks more than the rate', () => {
    expect(claimToState(measured)).toBe(10);
    expect(claimToState(measured, null)).toBe(10);
    expect(claimToState(measured, 8)).toBe(10);
    expect(claimToState(measured, 10)).toBe(10);
    expect(claimToState(measured, 25)).toBe(10);
  });

  it("states the market's minimum where the rate covers it and half the rate does not", () => {
    expect(claimToState(measured, 15)).toBe(15);
    expect(claimToState(measured, 20)).toBe(20);
  });
});
