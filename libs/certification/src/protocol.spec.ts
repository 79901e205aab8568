/**
 * The protocol end to end, in pure TypeScript, with C computed on the CPU: an honest prover passes,
 * cheaters of every kind are caught with the reason that names what they did.
 */
import fc from 'fast-check';
import { Challenge, ChallengeOptions, checkCommitment, Commitment, createChallenge, Opening, openRequest, OpenRequest, Verdict } from './challenge';
import { decodeF32, decodeF64, encodeF32, encodeF64 } from './encoding';
import { commitProduct, CommittedProduct } from './prover';
import { RandomU32, seededRandom } from './random';
import { referenceProduct } from './reference';
import { verifyOpening } from './verifier';

const T0 = 1_700_000_000_000;

function challenge(rng: RandomU32, options: Partial<ChallengeOptions> = {}): Challenge {
  return createChallenge({ n: 64, precision: 'f32', claimedTflops: 1e-3, now: T0, rng, ...options });
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
  product: CommittedProduct,
  { commitAfterMs = 5, openAfterMs = 5, answer = (o: Opening) => o, commitment = product.commitment }: { commitAfterMs?: number; openAfterMs?: number; answer?: (o: Opening, r: OpenRequest) => Opening; commitment?: Commitment } = {},
): Round {
  const committedAt = ch.issuedAt + commitAfterMs;
  const request = openRequest(ch, commitment, { rng, now: committedAt });
  const opening = answer(product.open(request), request);
  return { request, verdict: verifyOpening(ch, commitment, request, opening, committedAt + openAfterMs) };
}

const honest = (ch: Challenge) => commitProduct(ch, referenceProduct(ch), { computeMs: 3, totalMs: 4 });

describe('certification protocol (pure, C on the CPU)', () => {
  it('an honest prover passes 50 consecutive challenges, f32 and f16, square and not', () => {
    const rng = seededRandom(10);
    const failures: string[] = [];
    for (let i = 0; i < 50; i++) {
      const ch = challenge(rng, i % 3 === 0 ? { m: 48, k: 80, n: 33, precision: 'f16' } : { n: 64 + (i % 5) * 8 });
      const { verdict } = round(ch, rng, honest(ch));
      if (!verdict.ok) failures.push(`${i}: ${verdict.reason} ${verdict.detail}`);
      else expect(verdict.maxRowError).toBe(0); // f32 sums of the generator's values are exact
    }
    expect(failures).toEqual([]);
  });

  it('measures throughput on the verifier clock and reports the worker\'s own timing beside it', () => {
    const rng = seededRandom(11);
    const ch = challenge(rng, { n: 64 });
    const { verdict } = round(ch, rng, honest(ch), { commitAfterMs: 8 });
    expect(verdict).toMatchObject({ ok: true, elapsedMs: 8, flop: 2 * 64 ** 3, reportedComputeMs: 3, openedRows: 16, freivaldsTrials: 2 });
    expect(verdict.ok && verdict.measuredTflops).toBeCloseTo((2 * 64 ** 3) / 0.008 / 1e12, 12);
    expect(JSON.parse(JSON.stringify(ch))).toEqual(ch);
  });

  it('a prover that computes half the rows passes with probability about (1/2)^k', () => {
    const rng = seededRandom(12);
    const halfDone = (ch: Challenge) => {
      const c = referenceProduct(ch);
      c.fill(0, (ch.m / 2) * ch.n); // the second half never computed
      return commitProduct(ch, c, { computeMs: 1, totalMs: 2 });
    };
    // k = 4 rows: C(32,4)/C(64,4) = 0.057 (≈ (1/2)^4 = 0.0625); 400 challenges.
    let passed = 0;
    for (let i = 0; i < 400; i++) {
      const ch = challenge(rng, { openRows: 4, freivaldsTrials: 0 });
      const { verdict } = round(ch, rng, halfDone(ch));
      if (verdict.ok) passed++;
      else expect(verdict.reason).toBe('ROW_MISMATCH');
    }
    expect(passed / 400).toBeGreaterThan(0.02);
    expect(passed / 400).toBeLessThan(0.1);
    // With the default k = 16 it passes with probability 1.3e-5: never here.
    for (let i = 0; i < 30; i++) {
      const ch = challenge(rng);
      expect(round(ch, rng, halfDone(ch)).verdict).toMatchObject({ ok: false, reason: 'ROW_MISMATCH' });
    }
  });

  it('random numbers are caught', () => {
    const rng = seededRandom(13);
    for (let i = 0; i < 10; i++) {
      const ch = challenge(rng);
      const c = Float32Array.from({ length: ch.m * ch.n }, () => ((rng() >>> 20) - 2048) / 128);
      expect(round(ch, rng, commitProduct(ch, c, { computeMs: 0, totalMs: 0 })).verdict).toMatchObject({ ok: false, reason: 'ROW_MISMATCH' });
    }
  });

  it('an old answer replayed to a new seed is caught, whether it echoes the old challenge or the new one', () => {
    const rng = seededRandom(14);
    const old = challenge(rng);
    const oldAnswer = honest(old);
    expect(round(old, rng, oldAnswer).verdict.ok).toBe(true);
    const fresh = challenge(rng);
    // As it was: the echo gives it away before anything is opened.
    expect(checkCommitment(fresh, oldAnswer.commitment, fresh.issuedAt + 1)).toMatchObject({ reason: 'SEED_MISMATCH' });
    expect(round(fresh, rng, oldAnswer).verdict).toMatchObject({ ok: false, reason: 'SEED_MISMATCH' });
    // Relabelled as an answer to the new challenge: the rows are the old product's.
    const relabelled = commitProduct(fresh, oldAnswer.c, { computeMs: 1, totalMs: 1 });
    expect(round(fresh, rng, relabelled).verdict).toMatchObject({ ok: false, reason: 'ROW_MISMATCH' });
  });

  it('a throughput the prover cannot reach is caught by the deadline', () => {
    const rng = seededRandom(15);
    // Claims 1 TFLOP/s: 2·64³ FLOP in 0.5 µs, plus the slack (1 s fixed + hashing allowance).
    const ch = challenge(rng, { claimedTflops: 1 });
    const allowed = ch.deadline - ch.issuedAt;
    expect(allowed).toBe(1001);
    expect(round(ch, rng, honest(ch), { commitAfterMs: allowed }).verdict.ok).toBe(true);
    const late = round(ch, rng, honest(ch), { commitAfterMs: allowed + 1 }).verdict;
    expect(late).toMatchObject({ ok: false, reason: 'DEADLINE_MISSED' });
    expect(!late.ok && late.detail).toMatch(/1002 ms after the challenge; 1001 ms were allowed/);
    // The opening has its own deadline.
    const slowOpening = round(ch, rng, honest(ch), { openAfterMs: 60_000 }).verdict;
    expect(slowOpening).toMatchObject({ ok: false, reason: 'DEADLINE_MISSED' });
  });

  it('the deadline follows the claimed throughput: 2·n³ FLOP / claimed FLOP/s plus slack', () => {
    const rng = seededRandom(16);
    const ch = createChallenge({ n: 4096, precision: 'f32', claimedTflops: 0.5, now: T0, rng, slackMs: 0, slackFraction: 0, hashBytesPerMs: Infinity });
    expect(ch.deadline - ch.issuedAt).toBe(Math.ceil((2 * 4096 ** 3) / 0.5e12 * 1000));
  });

  it('opened rows that are not the committed ones are caught by the proofs', () => {
    const rng = seededRandom(17);
    for (let i = 0; i < 10; i++) {
      const ch = challenge(rng);
      // Commits to junk quickly, then computes just the requested rows once it knows them.
      const junk = commitProduct(ch, new Float32Array(ch.m * ch.n), { computeMs: 0, totalMs: 0 });
      const right = referenceProduct(ch);
      const verdict = round(ch, rng, junk, {
        answer: (o) => ({ ...o, rows: o.rows.map((row) => ({ ...row, data: encodeF32(right.subarray(row.index * ch.n, (row.index + 1) * ch.n)) })) }),
      }).verdict;
      expect(verdict).toMatchObject({ ok: false, reason: 'PROOF_INVALID' });
    }
  });

  it('any changed bit of an opened row is caught', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.nat(), (seed, flip) => {
        const rng = seededRandom(seed);
        const ch = challenge(rng, { n: 24, openRows: 3 });
        const verdict = round(ch, rng, honest(ch), {
          answer: (o) => {
            const row = o.rows[flip % o.rows.length]!;
            const bytes = Buffer.from(row.data, 'base64');
            bytes[(flip >> 3) % bytes.length]! ^= 1 << (flip % 8);
            return { ...o, rows: o.rows.map((r) => (r === row ? { ...r, data: bytes.toString('base64') } : r)) };
          },
        }).verdict;
        expect(verdict).toMatchObject({ ok: false, reason: 'PROOF_INVALID' });
      }),
      { numRuns: 50 },
    );
  });

  it('a C·r that is not the committed C\'s is caught by Freivalds', () => {
    const rng = seededRandom(18);
    const ch = challenge(rng);
    const product = honest(ch);
    // Right rows, but C·r from a C with one wrong element, in a row that is not opened.
    const verdict = round(ch, rng, product, {
      answer: (o, request) => {
        const row = [...Array(ch.m).keys()].find((i) => !request.rows.includes(i))!;
        const wrong = Float32Array.from(product.c);
        wrong[row * ch.n + 3] = wrong[row * ch.n + 3]! + 2;
        return { ...o, cr: commitProduct(ch, wrong, { computeMs: 0, totalMs: 0 }).open(request).cr };
      },
    }).verdict;
    expect(verdict).toMatchObject({ ok: false, reason: 'FREIVALDS_FAILED' });
    // C·r within Freivalds' tolerance of A·(B·r) but not what the opened row gives: the cross-check.
    const nudged = round(ch, rng, product, {
      answer: (o, request) => {
        const cr = decodeF64(o.cr[0], ch.m)!;
        cr[request.rows[0]!] = cr[request.rows[0]!]! + 1e-3;
        return { ...o, cr: [encodeF64(cr), ...o.cr.slice(1)] };
      },
    }).verdict;
    expect(nudged).toMatchObject({ ok: false, reason: 'FREIVALDS_FAILED' });
    expect(!nudged.ok && nudged.detail).toMatch(/opened row/);
  });

  it('malformed answers are MALFORMED, and answers to another challenge SEED_MISMATCH', () => {
    const rng = seededRandom(19);
    const ch = challenge(rng);
    const product = honest(ch);
    const expectReason = (answer: (o: Opening) => unknown, reason: string) =>
      expect(round(ch, rng, product, { answer: answer as (o: Opening) => Opening }).verdict).toMatchObject({ ok: false, reason });
    expectReason((o) => ({ ...o, rows: o.rows.slice(1) }), 'MALFORMED');
    expectReason((o) => ({ ...o, rows: [...o.rows].reverse() }), 'MALFORMED');
    expectReason((o) => ({ ...o, rows: o.rows.map((r) => ({ ...r, data: r.data.slice(4) })) }), 'MALFORMED');
    expectReason((o) => ({ ...o, rows: o.rows.map((r) => ({ ...r, proof: 'x' })) }), 'MALFORMED');
    expectReason((o) => ({ ...o, cr: [] }), 'MALFORMED');
    expectReason((o) => ({ ...o, cr: o.cr.map(() => 'not base64!') }), 'MALFORMED');
    expectReason(() => null, 'MALFORMED');
    expectReason((o) => ({ ...o, challengeId: 'another' }), 'SEED_MISMATCH');
    const badCommitment = { ...product.commitment, root: 'abc' };
    expect(round(ch, rng, product, { commitment: badCommitment }).verdict).toMatchObject({ ok: false, reason: 'MALFORMED' });
    // Rows hold exactly what was hashed: decoding gives the prover's f32 values back.
    const request = openRequest(ch, product.commitment, { rng, now: T0 });
    const first = product.open(request).rows[0]!;
    expect(decodeF32(first.data, ch.n)).toEqual(product.c.subarray(first.index * ch.n, (first.index + 1) * ch.n));
  });

  it('sampled mode (c columns per opened row, no Freivalds): honest passes, cheaters that save work do not', () => {
    const rng = seededRandom(21);
    const sampled = (n = 96) => challenge(rng, { n, checkColumns: 24, freivaldsTrials: 0 });
    for (let i = 0; i < 20; i++) {
      const ch = sampled();
      const { verdict, request } = round(ch, rng, honest(ch));
      expect(verdict).toMatchObject({ ok: true, checkedColumns: 24, freivaldsTrials: 0 });
      expect(new Set(request.columns).size).toBe(24);
    }
    const ch = sampled();
    const halfRows = referenceProduct(ch).fill(0, (ch.m / 2) * ch.n);
    expect(round(ch, rng, commitProduct(ch, halfRows, { computeMs: 0, totalMs: 0 })).verdict).toMatchObject({ ok: false, reason: 'ROW_MISMATCH' });
    // Every row computed for its first half of columns only.
    const halfColumns = referenceProduct(ch);
    for (let i = 0; i < ch.m; i++) halfColumns.fill(0, i * ch.n + ch.n / 2, (i + 1) * ch.n);
    expect(round(ch, rng, commitProduct(ch, halfColumns, { computeMs: 0, totalMs: 0 })).verdict).toMatchObject({ ok: false, reason: 'ROW_MISMATCH' });
    // With Freivalds trials the rows are checked whole, whatever checkColumns says.
    const withTrials = challenge(rng, { n: 64, checkColumns: 8 });
    expect(round(withTrials, rng, honest(withTrials)).verdict).toMatchObject({ ok: true, checkedColumns: 64, freivaldsTrials: 2 });
  });

  it('draws k distinct rows and integer vectors, and validates its inputs', () => {
    const rng = seededRandom(20);
    const ch = challenge(rng, { n: 50, openRows: 50 });
    const request = openRequest(ch, honest(ch).commitment, { rng, now: T0 + 1 });
    expect([...request.rows].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect(request.r).toHaveLength(2);
    for (const r of request.r) expect(r.every((x) => Number.isInteger(x) && x >= -4096 && x < 4096)).toBe(true);
    expect(() => challenge(rng, { n: 0 })).toThrow(RangeError);
    expect(() => challenge(rng, { n: 8, openRows: 9 })).toThrow(RangeError);
    expect(() => challenge(rng, { claimedTflops: 0 })).toThrow(RangeError);
    expect(() => challenge(rng, { precision: 'bf16' as 'f32' })).toThrow(RangeError);
    expect(() => challenge(rng, { seed: 'ABC' })).toThrow(RangeError);
    expect(() => challenge(rng, { n: 8, checkColumns: 9 })).toThrow(RangeError);
  });
});
