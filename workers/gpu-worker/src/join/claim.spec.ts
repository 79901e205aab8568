import { Challenge, flopOf } from '@gpux/certification';
import {
  CLAIM_ABOVE_MEASURED,
  CLAIM_SAMPLE_MS,
  checkClaimOption,
  ClaimMeasurement,
  claimToState,
  measureClaim,
  nextClaimProducts,
  SAFETY_FACTOR,
} from './claim';

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
    // The warm-up, then proofs grown until one runs CLAIM_SAMPLE_MS (the first long proof), then one
    // more of each for the second run.
    const long = Math.max(...proofs);
    expect(100 + 15 * long).toBeGreaterThanOrEqual(CLAIM_SAMPLE_MS);
    expect(proofs.slice(-3)).toEqual([long, 1, long]);
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

  it('proves nothing twice to no purpose: the first one-product proof and the long proof that ends the growing ones are the first of their runs', async () => {
    const { prove, proofs } = gpu(100, 15);
    await measureClaim(prove, 512, 'f32', { runs: 2 });
    // The warm-up, the growing proofs (115, 265 and 850 ms, then 1,330 ms: past the sample, where
    // doubling went to 100 products and 1,600 ms), and one more one-product and long proof each
    // for the second run.
    expect(proofs).toEqual([1, 1, 11, 50, 82, 1, 82]);
  });

  it('never claims more than the long proof alone says when the one-product proofs were slower', async () => {
    // A noisy machine: the one-product proofs (90 ms) took longer than the long one (4 products: 60).
    const prove = (challenge: Challenge) =>
      Promise.resolve(challenge.products === 1 ? 90 : 20 + 10 * challenge.products);
    const claim = await measureClaim(prove, 512, 'f32', { sampleMs: 100, maxProducts: 4 });
    expect(claim.measuredTflops).toBeLessThanOrEqual(tflops(512, 10) * 1.0001);
    expect(claim.measuredTflops).toBeGreaterThan(0);
  });
});

describe('nextClaimProducts (how the proofs of a claim grow to the sample)', () => {
  const SAMPLE = 1_200;
  const MAX = 4_096;

  it('doubles, or goes to what the last proof says fills the sample, while it knows one proof only', () => {
    expect(nextClaimProducts({ products: 1, ms: 115 }, undefined, SAMPLE, MAX)).toBe(11);
    expect(nextClaimProducts({ products: 1, ms: 900 }, undefined, SAMPLE, MAX)).toBe(2);
  });

  it("aims a tenth past the sample along the line through the last two proofs, never past doubling's choice", () => {
    // 100 ms of fixed costs and 15 per product: 82 products take 1,330 ms; doubling took 100 (1,600).
    expect(nextClaimProducts({ products: 50, ms: 850 }, { products: 11, ms: 265 }, SAMPLE, MAX)).toBe(82);
    // The line would go to 82; doubling's 50 is less, and it is taken.
    expect(nextClaimProducts({ products: 11, ms: 265 }, { products: 1, ms: 115 }, SAMPLE, MAX)).toBe(50);
  });

  it('grows by a quarter at least, so a line that keeps aiming short still gets there', () => {
    // The line (10 per product, 100 fixed) aims at 122; a quarter more than 100 is 125.
    expect(nextClaimProducts({ products: 100, ms: 1_100 }, { products: 50, ms: 600 }, SAMPLE, MAX)).toBe(125);
  });

  it('grows as one proof alone says where the last two do not make a rising line (a noisy machine)', () => {
    expect(nextClaimProducts({ products: 20, ms: 300 }, { products: 10, ms: 320 }, SAMPLE, MAX)).toBe(80);
    expect(nextClaimProducts({ products: 20, ms: 300 }, { products: 20, ms: 250 }, SAMPLE, MAX)).toBe(80);
  });

  it('never goes past the most products a claim takes', () => {
    expect(nextClaimProducts({ products: 3_000, ms: 900 }, { products: 1_000, ms: 310 }, SAMPLE, MAX)).toBe(
      MAX,
    );
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

describe('checkClaimOption (--claim-tflops against what this GPU measures)', () => {
  /** A GPU whose measured rate at each size is `rates[size]` TFLOP/s; the sizes it was measured at. */
  function measuring(rates: Record<number, number>) {
    const sizes: number[] = [];
    const measure = (size: number): Promise<ClaimMeasurement> => {
      sizes.push(size);
      const measuredTflops = rates[size] ?? 0;
      return Promise.resolve({
        claimTflops: measuredTflops * SAFETY_FACTOR,
        measuredTflops,
        size,
        safetyFactor: SAFETY_FACTOR,
      });
    };
    return { measure, sizes };
  }

  it('refuses lavapipe claiming 5000 TFLOP/s after one measurement, saying what it measured and what to pass', async () => {
    const { measure, sizes } = measuring({ 1024: 0.0132 });
    const check = await checkClaimOption(5000, measure);
    expect(check.ok).toBe(false);
    expect(sizes).toEqual([1024]);
    expect(!check.ok && check.error).toBe(
      '--claim-tflops 5000 is more than 2× what this adapter measured: 0.0132 TFLOP/s (f32 proofs of 1024×1024 ' +
        'products), so its challenge would fail at its deadline (1.25× the claimed compute time): pass ' +
        '--claim-tflops 0.0264 or less, or leave --claim-tflops out to claim what this adapter measures (half of ' +
        'it: 0.0066); nothing was asked of the gateway',
    );
  });

  it('takes a claim up to twice the measured rate, and refuses one above it', async () => {
    expect(CLAIM_ABOVE_MEASURED).toBe(2);
    expect((await checkClaimOption(0.0264, measuring({ 1024: 0.0132 }).measure)).ok).toBe(true);
    expect((await checkClaimOption(0.013, measuring({ 1024: 0.0132 }).measure)).ok).toBe(true);
    expect((await checkClaimOption(0.0265, measuring({ 1024: 0.0132 }).measure)).ok).toBe(false);
    // The figure it says to pass is rounded down, so that passing it is taken.
    const check = await checkClaimOption(1, measuring({ 1024: 0.01333 }).measure);
    expect(!check.ok && check.error).toContain('pass --claim-tflops 0.0266 or less');
    expect((await checkClaimOption(0.0266, measuring({ 1024: 0.01333 }).measure)).ok).toBe(true);
  });

  it('measures again on larger products before refusing a fast GPU, never past the size of its claim', async () => {
    // An H100-like GPU: slow on small products, its rate at the sizes its own figure picks.
    const h100 = measuring({ 1024: 5, 4096: 40, 8192: 55 });
    expect(await checkClaimOption(60, h100.measure)).toMatchObject({ ok: true, measurement: { size: 4096 } });
    expect(h100.sizes).toEqual([1024, 4096]);
    const greedy = measuring({ 1024: 5, 4096: 40, 8192: 55 });
    expect(await checkClaimOption(500, greedy.measure)).toMatchObject({
      ok: false,
      measurement: { size: 8192 },
    });
    expect(greedy.sizes).toEqual([1024, 4096, 8192]);
    // A claim whose own challenge is small is measured no larger than that.
    const small = measuring({ 1024: 0.001, 2048: 1 });
    expect((await checkClaimOption(0.01, small.measure)).ok).toBe(false);
    expect(small.sizes).toEqual([1024]);
  });
});
