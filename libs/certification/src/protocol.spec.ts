/**
 * Protocol version 3 end to end (and version 2's challenges, still answered), in pure TypeScript, with the products computed on the CPU: an
 * honest prover passes, cheaters of every kind are caught with the reason that names what they did,
 * and the verifier's work does not grow with the number of products.
 */
import fc from 'fast-check';
import {
  Challenge,
  ChallengeOptions,
  checkCommitment,
  Commitment,
  createChallenge,
  DEFAULTS,
  flopOf,
  Opening,
  openRequest,
  OpenRequest,
  productsFor,
  Verdict,
} from './challenge';
import { decodeF32, encodeF32 } from './encoding';
import { commitProducts, CommittedProducts, leafValues } from './prover';
import { RandomU32, seededRandom } from './random';
import { referenceProduct, referenceProducts } from './reference';
import { verifyOpening } from './verifier';

const T0 = 1_700_000_000_000;

function challenge(rng: RandomU32, options: Partial<ChallengeOptions> = {}): Challenge {
  return createChallenge({
    n: 32,
    products: 4,
    precision: 'f32',
    claimedTflops: 1e-3,
    now: T0,
    rng,
    ...options,
  });
}

interface Round {
  verdict: Verdict;
  request: OpenRequest;
}

/**
 * One round: the prover commits `commitAfterMs` after the challenge, the verifier draws the request,
 * the prover answers `openAfterMs` later. `answer` may rewrite the opening (cheaters).
 */
function round(
  ch: Challenge,
  rng: RandomU32,
  prover: CommittedProducts,
  {
    commitAfterMs = 5,
    openAfterMs = 5,
    answer = (o: Opening) => o,
    commitment = prover.commitment,
  }: {
    commitAfterMs?: number;
    openAfterMs?: number;
    answer?: (o: Opening, r: OpenRequest) => Opening;
    commitment?: Commitment;
  } = {},
): Round {
  const committedAt = ch.issuedAt + commitAfterMs;
  const request = openRequest(ch, commitment, { rng, now: committedAt });
  const opening = answer(prover.open(request), request);
  return { request, verdict: verifyOpening(ch, commitment, request, opening, committedAt + openAfterMs) };
}

const honest = (ch: Challenge) => commitProducts(ch, referenceProducts(ch), { computeMs: 3, totalMs: 4 });

describe('certification protocol v3 (pure, products on the CPU)', () => {
  it("version 3's products share the grid's matrices; a version 2 challenge is still verified by its own rule", () => {
    const rng = seededRandom(9);
    const ch = challenge(rng, { products: 6 }); // a 3×3 grid, two rows
    expect(ch.version).toBe(3);
    expect(round(ch, rng, honest(ch)).verdict).toMatchObject({ ok: true, maxRowError: 0 });
    // Product 3 (row 1, column 0) multiplies A_1 by B_0: B_0 is product 0's B, A_1 is its own.
    expect(referenceProduct(ch, 3)).not.toEqual(referenceProduct(ch, 0));
    // The answer to version 2's matrices fails a version 3 challenge, and the other way round.
    const v2: Challenge = { ...ch, version: 2 };
    expect(round(v2, rng, honest(v2)).verdict).toMatchObject({ ok: true, maxRowError: 0 });
    const crossed = commitProducts(ch, referenceProducts(v2), { computeMs: 3, totalMs: 4 });
    expect(round(ch, rng, crossed).verdict).toMatchObject({ ok: false, reason: 'ROW_MISMATCH' });
    // An unknown version is refused before anything is opened.
    expect(
      checkCommitment({ ...ch, version: 4 } as unknown as Challenge, honest(ch).commitment, T0),
    ).toMatchObject({
      reason: 'MALFORMED',
      detail: 'the challenge is of protocol version 4, not one of 2, 3',
    });
  });

  it('an honest prover passes 40 consecutive challenges, f32 and f16, at sizes that are no power of two', () => {
    const rng = seededRandom(10);
    const failures: string[] = [];
    for (let i = 0; i < 40; i++) {
      const ch = challenge(
        rng,
        i % 3 === 0
          ? { n: 33, products: 3, precision: 'f16' }
          : { n: 16 + (i % 5) * 8, products: 1 + (i % 4) },
      );
      const { verdict } = round(ch, rng, honest(ch));
      if (!verdict.ok) failures.push(`${i}: ${verdict.reason} ${verdict.detail}`);
      else expect(verdict.maxRowError).toBe(0); // f32 sums of the generator's values are exact
    }
    expect(failures).toEqual([]);
  });

  it('sizes the batch from the claim so an honest worker computes for the target time', () => {
    const rng = seededRandom(11);
    // 40 TFLOP/s for 10 s at n = 4096: 400 TFLOP in products of 137 GFLOP each.
    expect(productsFor(4096, 40, 10_000)).toBe(2910);
    const big = createChallenge({ n: 4096, precision: 'f32', claimedTflops: 40, now: T0, rng });
    expect(big.products).toBe(2910);
    expect((flopOf(big) / 40e12) * 1000).toBeCloseTo(DEFAULTS.targetMs, -2);
    expect(big.deadline - big.issuedAt).toBe(Math.ceil((flopOf(big) / 40e12) * 1000 * 1.25 + 1000));
    // A claim so small that one product outlasts the target is still one product.
    expect(createChallenge({ n: 512, precision: 'f32', claimedTflops: 1e-6, now: T0, rng }).products).toBe(1);
    expect(
      createChallenge({ n: 64, precision: 'f32', claimedTflops: 1e-3, now: T0, rng, targetMs: 200 }).products,
    ).toBe(381);
  });

  it("measures throughput on the verifier clock over every product, and reports the worker's own timing beside it", () => {
    const rng = seededRandom(12);
    const ch = challenge(rng, { products: 3 });
    const { verdict } = round(ch, rng, honest(ch), { commitAfterMs: 8 });
    expect(verdict).toMatchObject({
      ok: true,
      elapsedMs: 8,
      flop: 3 * 2 * 32 ** 3,
      reportedComputeMs: 3,
      openedLeaves: 128,
      checkedElements: 128 * 16,
      products: 3,
    });
    expect(verdict.ok && verdict.measuredTflops).toBeCloseTo((3 * 2 * 32 ** 3) / 0.008 / 1e12, 12);
    expect(JSON.parse(JSON.stringify(ch))).toEqual(ch);
  });

  it('a prover that computes half the products passes with probability (1/2)^s', () => {
    const rng = seededRandom(13);
    const halfDone = (ch: Challenge) =>
      commitProducts(
        ch,
        referenceProducts(ch).map((c, p) => (p % 2 === 0 ? c : new Float32Array(c.length))),
        { computeMs: 1, totalMs: 2 },
      );
    // s = 4 openings: (1/2)^4 = 0.0625; 400 challenges.
    let passed = 0;
    for (let i = 0; i < 400; i++) {
      const ch = challenge(rng, { n: 16, products: 2, openLeaves: 4 });
      const { verdict } = round(ch, rng, halfDone(ch));
      if (verdict.ok) passed++;
      else expect(verdict.reason).toBe('ROW_MISMATCH');
    }
    expect(passed / 400).toBeGreaterThan(0.03);
    expect(passed / 400).toBeLessThan(0.1);
    // With the default s = 128 it passes with probability 2^-128: never.
    for (let i = 0; i < 20; i++) {
      const ch = challenge(rng, { n: 16, products: 2 });
      expect(round(ch, rng, halfDone(ch)).verdict).toMatchObject({ ok: false, reason: 'ROW_MISMATCH' });
    }
  });

  it("a prover that computes half of every product's rows, or half of every row, is caught", () => {
    const rng = seededRandom(14);
    const ch = challenge(rng, { n: 32, products: 4 });
    const halfRows = referenceProducts(ch).map((c) => c.fill(0, (ch.n / 2) * ch.n));
    expect(round(ch, rng, commitProducts(ch, halfRows, { computeMs: 0, totalMs: 0 })).verdict).toMatchObject({
      ok: false,
      reason: 'ROW_MISMATCH',
    });
    const halfColumns = referenceProducts(ch).map((c) => {
      for (let i = 0; i < ch.n; i++) c.fill(0, i * ch.n + ch.n / 2, (i + 1) * ch.n);
      return c;
    });
    expect(
      round(ch, rng, commitProducts(ch, halfColumns, { computeMs: 0, totalMs: 0 })).verdict,
    ).toMatchObject({ ok: false, reason: 'ROW_MISMATCH' });
  });

  it('random numbers are caught', () => {
    const rng = seededRandom(15);
    for (let i = 0; i < 10; i++) {
      const ch = challenge(rng);
      const made = Array.from({ length: ch.products }, () =>
        Float32Array.from({ length: ch.n * ch.n }, () => ((rng() >>> 20) - 2048) / 128),
      );
      expect(round(ch, rng, commitProducts(ch, made, { computeMs: 0, totalMs: 0 })).verdict).toMatchObject({
        ok: false,
        reason: 'ROW_MISMATCH',
      });
    }
  });

  it('one product computed once and committed for all is caught', () => {
    const rng = seededRandom(16);
    const ch = challenge(rng, { products: 4 });
    const first = referenceProduct(ch, 0);
    expect(
      round(ch, rng, commitProducts(ch, [first, first, first, first], { computeMs: 0, totalMs: 0 })).verdict,
    ).toMatchObject({ ok: false, reason: 'ROW_MISMATCH' });
  });

  it('an old answer replayed to a new seed is caught, whether it echoes the old challenge or the new one', () => {
    const rng = seededRandom(17);
    const old = challenge(rng);
    const oldAnswer = honest(old);
    expect(round(old, rng, oldAnswer).verdict.ok).toBe(true);
    const fresh = challenge(rng);
    expect(checkCommitment(fresh, oldAnswer.commitment, fresh.issuedAt + 1)).toMatchObject({
      reason: 'SEED_MISMATCH',
    });
    expect(round(fresh, rng, oldAnswer).verdict).toMatchObject({ ok: false, reason: 'SEED_MISMATCH' });
    const relabelled = commitProducts(fresh, oldAnswer.products, { computeMs: 1, totalMs: 1 });
    expect(round(fresh, rng, relabelled).verdict).toMatchObject({ ok: false, reason: 'ROW_MISMATCH' });
  });

  it('a throughput the prover cannot reach is caught by the deadline, and so is a late opening', () => {
    const rng = seededRandom(18);
    // 1 TFLOP/s for 4 products of 2·32³ FLOP: 0.26 µs, plus the fixed second.
    const ch = challenge(rng, { claimedTflops: 1 });
    const allowed = ch.deadline - ch.issuedAt;
    expect(allowed).toBe(1001);
    expect(round(ch, rng, honest(ch), { commitAfterMs: allowed }).verdict.ok).toBe(true);
    const late = round(ch, rng, honest(ch), { commitAfterMs: allowed + 1 }).verdict;
    expect(late).toMatchObject({ ok: false, reason: 'DEADLINE_MISSED' });
    expect(!late.ok && late.detail).toMatch(/1002 ms after the challenge; 1001 ms were allowed/);
    expect(round(ch, rng, honest(ch), { openAfterMs: 60_000 }).verdict).toMatchObject({
      ok: false,
      reason: 'DEADLINE_MISSED',
    });
  });

  it('opened rows that are not the committed ones are caught by the proofs', () => {
    const rng = seededRandom(19);
    for (let i = 0; i < 10; i++) {
      const ch = challenge(rng);
      // Commits to junk quickly, then computes just the requested rows once it knows them.
      const junk = commitProducts(
        ch,
        referenceProducts(ch).map((c) => new Float32Array(c.length)),
        { computeMs: 0, totalMs: 0 },
      );
      const right = referenceProducts(ch);
      const verdict = round(ch, rng, junk, {
        answer: (o) => ({
          ...o,
          leaves: o.leaves.map((leaf) => ({
            ...leaf,
            data: encodeF32(leafValues(right[leaf.product]!, ch.n, leaf)),
          })),
        }),
      }).verdict;
      expect(verdict).toMatchObject({ ok: false, reason: 'PROOF_INVALID' });
    }
  });

  it("a leaf opened as another product's, or a proof cut short or padded, is caught", () => {
    const rng = seededRandom(20);
    const ch = challenge(rng, { products: 4 });
    const prover = honest(ch);
    const swapped = round(ch, rng, prover, {
      answer: (o) => {
        const [first, ...rest] = o.leaves;
        const other = prover.open({
          ...openRequest(ch, prover.commitment, { rng, now: T0 }),
          leaves: [{ product: (first!.product + 1) % 4, row: first!.row, chunk: first!.chunk, columns: [0] }],
        }).leaves[0]!;
        return { ...o, leaves: [{ ...first!, data: other.data }, ...rest] };
      },
    }).verdict;
    expect(swapped).toMatchObject({ ok: false, reason: 'PROOF_INVALID' });
    expect(
      round(ch, rng, prover, {
        answer: (o) => ({ ...o, leaves: o.leaves.map((r) => ({ ...r, proof: r.proof.slice(1) })) }),
      }).verdict,
    ).toMatchObject({ ok: false, reason: 'PROOF_INVALID' });
    expect(
      round(ch, rng, prover, {
        answer: (o) => ({
          ...o,
          leaves: o.leaves.map((r) => ({ ...r, proof: [...r.proof, '0'.repeat(64)] })),
        }),
      }).verdict,
    ).toMatchObject({ ok: false, reason: 'PROOF_INVALID' });
  });

  it('any changed bit of an opened row is caught', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.nat(), (seed, flip) => {
        const rng = seededRandom(seed);
        const ch = challenge(rng, { n: 24, products: 2, openLeaves: 3 });
        const verdict = round(ch, rng, honest(ch), {
          answer: (o) => {
            const leaf = o.leaves[flip % o.leaves.length]!;
            const bytes = Buffer.from(leaf.data, 'base64');
            bytes[(flip >> 3) % bytes.length]! ^= 1 << (flip % 8);
            return {
              ...o,
              leaves: o.leaves.map((r) => (r === leaf ? { ...r, data: bytes.toString('base64') } : r)),
            };
          },
        }).verdict;
        expect(verdict).toMatchObject({ ok: false, reason: 'PROOF_INVALID' });
      }),
      { numRuns: 50 },
    );
  });

  it('malformed answers are MALFORMED, answers to another challenge SEED_MISMATCH, a challenge of another version MALFORMED', () => {
    const rng = seededRandom(21);
    const ch = challenge(rng);
    const prover = honest(ch);
    const expectReason = (answer: (o: Opening) => unknown, reason: string) =>
      expect(round(ch, rng, prover, { answer: answer as (o: Opening) => Opening }).verdict).toMatchObject({
        ok: false,
        reason,
      });
    expectReason((o) => ({ ...o, leaves: o.leaves.slice(1) }), 'MALFORMED');
    expectReason(
      (o) => ({ ...o, leaves: o.leaves.map((r) => ({ ...r, row: (r.row + 1) % ch.n })) }),
      'MALFORMED',
    );
    expectReason(
      (o) => ({ ...o, leaves: o.leaves.map((r) => ({ ...r, data: r.data.slice(4) })) }),
      'MALFORMED',
    );
    expectReason((o) => ({ ...o, leaves: o.leaves.map((r) => ({ ...r, proof: 'x' })) }), 'MALFORMED');
    expectReason(() => null, 'MALFORMED');
    expectReason((o) => ({ ...o, challengeId: 'another' }), 'SEED_MISMATCH');
    expect(
      round(ch, rng, prover, { commitment: { ...prover.commitment, root: 'abc' } }).verdict,
    ).toMatchObject({ ok: false, reason: 'MALFORMED' });
    expect(
      checkCommitment({ ...ch, version: 1 } as unknown as Challenge, prover.commitment, T0),
    ).toMatchObject({ reason: 'MALFORMED' });
    // Leaves hold exactly what was hashed: decoding gives the prover's f32 values back.
    const request = openRequest(ch, prover.commitment, { rng, now: T0 });
    const first = prover.open(request).leaves[0]!;
    expect(decodeF32(first.data, ch.n)).toEqual(leafValues(prover.products[first.product]!, ch.n, first));
  });

  it('draws independent leaves over every product and distinct columns in each, gives the opening time to recompute, and validates its inputs', () => {
    const rng = seededRandom(22);
    const ch = challenge(rng, { n: 50, products: 7 });
    const request = openRequest(ch, honest(ch).commitment, { rng, now: T0 + 1 });
    expect(request.leaves).toHaveLength(128);
    expect(new Set(request.leaves.map((r) => r.product))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    expect(
      request.leaves.every((r) => Number.isInteger(r.row) && r.row >= 0 && r.row < 50 && r.chunk === 0),
    ).toBe(true);
    expect(
      request.leaves.every((r) => new Set(r.columns).size === 16 && r.columns.every((c) => c >= 0 && c < 50)),
    ).toBe(true);
    expect(request.respondBy - request.committedAt).toBe(
      Math.ceil(2000 + 2 * ((7 * 2 * 50 ** 3) / 1e9) * 1000),
    );
    expect(() => challenge(rng, { n: 0 })).toThrow(RangeError);
    expect(() => challenge(rng, { products: 0 })).toThrow(RangeError);
    expect(() => challenge(rng, { claimedTflops: 0 })).toThrow(RangeError);
    expect(() => challenge(rng, { precision: 'bf16' as 'f32' })).toThrow(RangeError);
    expect(() => challenge(rng, { seed: 'ABC' })).toThrow(RangeError);
    expect(() => challenge(rng, { n: 8, checkColumns: 9 })).toThrow(RangeError);
  });

  it('rows wider than a leaf are committed in chunks, the last one narrower: honest passes, a skipped chunk is caught', () => {
    const rng = seededRandom(24);
    // n = 300: chunks of 256 and 44 columns; one product of 300³ is 27 M multiply-adds on the CPU.
    const ch = challenge(rng, { n: 300, products: 1, openLeaves: 64 });
    const products = referenceProducts(ch);
    const { verdict, request } = round(ch, rng, commitProducts(ch, products, { computeMs: 0, totalMs: 0 }));
    expect(verdict).toMatchObject({ ok: true, openedLeaves: 64 });
    expect(new Set(request.leaves.map((l) => l.chunk))).toEqual(new Set([0, 1]));
    expect(request.leaves.filter((l) => l.chunk === 1).every((l) => l.columns.every((c) => c < 44))).toBe(
      true,
    );
    // The last 44 columns of every row never computed: about one opened leaf in two is wrong.
    const narrowSkipped = products.map((c) => {
      const copy = Float32Array.from(c);
      for (let i = 0; i < 300; i++) copy.fill(0, i * 300 + 256, (i + 1) * 300);
      return copy;
    });
    expect(
      round(ch, rng, commitProducts(ch, narrowSkipped, { computeMs: 0, totalMs: 0 })).verdict,
    ).toMatchObject({ ok: false, reason: 'ROW_MISMATCH' });
  });
});
