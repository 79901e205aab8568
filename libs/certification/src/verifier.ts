/**
 * The verifier's last step: is the opening consistent with the commitment, and with A·B?
 *
 * In order, first failure wins: the commitment's shape and echo (MALFORMED, SEED_MISMATCH) and its
 * deadline (DEADLINE_MISSED, also for a late opening); the opening's shape (MALFORMED); each opened
 * row against the committed root (PROOF_INVALID); each opened row against the product recomputed on
 * the CPU from the seed (ROW_MISMATCH); each C·r against A·(B·r) and against the opened rows
 * (FREIVALDS_FAILED).
 *
 * What each part proves. The rows were fixed by the root before the worker knew which would be
 * opened, so a worker that computed only a fraction f of C's rows right passes with probability
 * about f^k (k opened rows); the fresh seed makes any earlier answer useless, and the deadline
 * bounds the time it took. C·r is sent after r is known, so a worker could compute A·(B·r) in
 * O(n²) without C: Freivalds therefore proves nothing about the unopened rows here. It checks that
 * the C·r sent agrees with A·(B·r) and, on the opened rows, with the committed C — a cheap cross-check
 * that catches a prover using its (wrong) C, not a substitute for the openings.
 *
 * CPU cost, for square n, k opened rows, t Freivalds trials: generating A and B (2·n² hashes, as
 * int8), the opened rows (k·n²/2 multiply-adds: two rows per float64), Freivalds (2·n² per trial,
 * two trials per pass over A and over B), k row hashes and k proofs (verifier-kernels.ts).
 *
 * Sampled mode (challenge.checkColumns = c < n, and no Freivalds trial, which would need all of A
 * and B anyway): only c random columns of each opened row are recomputed, from the opened rows of
 * A and the sampled columns of B: (k + c)·K hashes and k·c·K multiply-adds, linear in n. It loses
 * nothing against a worker that saves work: an uncomputed row, or one computed for a fraction g of
 * its columns, survives only if all c sampled elements are right (about g^c), and a lower
 * precision is wrong everywhere. With Freivalds trials the check is always of whole rows.
 */
import { checkCommitment, Challenge, Commitment, fail, Failure, flopOf, Opening, OpenRequest, Verdict } from './challenge';
import { decodeBytes, decodeF64 } from './encoding';
import { leafHash, verifyProof } from './merkle';
import { generateNumerators, generateNumeratorsTransposed, generateRowNumerators, MATRIX_A, MATRIX_B, parseSeed, VALUE_SCALE } from './prng';
import { elementErrorFactor, freivaldsErrorFactor } from './tolerance';
import { aTimesVectors, bTimesVectors, dotWithMagnitude, firstOutside, forEachProductElement, rowNorms } from './verifier-kernels';

const PRODUCT_SCALE = VALUE_SCALE * VALUE_SCALE;

interface DecodedOpening {
  rows: { index: number; bytes: Buffer; values: Float32Array; proof: string[] }[];
  cr: Float64Array[];
}

function decodeOpening(challenge: Challenge, request: OpenRequest, opening: Opening): DecodedOpening | Failure {
  const o = opening as Partial<Record<keyof Opening, unknown>> | null;
  if (typeof o !== 'object' || o === null) return fail('MALFORMED', 'the opening is not an object');
  if (o.challengeId !== challenge.id) return fail('SEED_MISMATCH', `the opening answers challenge ${String(o.challengeId)}, not ${challenge.id}`);
  if (!Array.isArray(o.rows) || o.rows.length !== request.rows.length) return fail('MALFORMED', `the opening must hold the ${request.rows.length} requested rows`);
  const rows: DecodedOpening['rows'] = [];
  for (let t = 0; t < request.rows.length; t++) {
    const row = o.rows[t] as Partial<Record<keyof Opening['rows'][number], unknown>> | null;
    const index = request.rows[t];
    if (typeof row !== 'object' || row === null || index === undefined || row.index !== index) return fail('MALFORMED', `opening ${t} must be row ${index}`);
    const bytes = decodeBytes(row.data, challenge.n * 4);
    if (!bytes) return fail('MALFORMED', `row ${index} must be ${challenge.n} f32 values in base64`);
    if (!Array.isArray(row.proof) || !row.proof.every((p) => typeof p === 'string')) return fail('MALFORMED', `row ${index} needs a proof: a list of hex hashes`);
    const values = new Float32Array(challenge.n);
    new Uint8Array(values.buffer).set(bytes);
    rows.push({ index, bytes, values, proof: row.proof as string[] });
  }
  if (!Array.isArray(o.cr) || o.cr.length !== request.r.length) return fail('MALFORMED', `the opening must hold C·r for each of the ${request.r.length} vectors`);
  const cr: Float64Array[] = [];
  for (let t = 0; t < request.r.length; t++) {
    const v = decodeF64(o.cr[t], challenge.m);
    if (!v) return fail('MALFORMED', `C·r number ${t} must be ${challenge.m} float64 values in base64`);
    cr.push(v);
  }
  return { rows, cr };
}

export function verifyOpening(challenge: Challenge, commitment: Commitment, request: OpenRequest, opening: Opening, receivedAt: number): Verdict {
  const early = checkCommitment(challenge, commitment, request.committedAt);
  if (early) return early;
  if (request.challengeId !== challenge.id) return fail('MALFORMED', `the open request is for challenge ${request.challengeId}, not ${challenge.id}`);
  if (receivedAt > request.respondBy) {
    return fail('DEADLINE_MISSED', `the opening came ${receivedAt - request.committedAt} ms after the open request; ${request.respondBy - request.committedAt} ms were allowed`);
  }
  const decoded = decodeOpening(challenge, request, opening);
  if ('ok' in decoded) return decoded;

  for (const row of decoded.rows) {
    if (!verifyProof(commitment.root, leafHash(row.bytes), row.index, challenge.m, row.proof)) {
      return fail('PROOF_INVALID', `row ${row.index} does not match the committed root`);
    }
  }

  const { m, k, n } = challenge;
  const seed = parseSeed(challenge.seed);
  const vectors = request.r.map((r) => Float64Array.from(r));
  const columns = vectors.length === 0 ? request.columns : undefined;
  if (columns && !columns.every((j) => Number.isInteger(j) && j >= 0 && j < n)) return fail('MALFORMED', 'the open request names columns outside C');
  // Freivalds needs all of A and B; without it, a sampled check needs only the opened rows of A and
  // the sampled columns of B: O((k + c)·K) to generate instead of O(n²).
  const a = columns ? generateRowNumerators(seed, MATRIX_A, k, request.rows) : generateNumerators(seed, MATRIX_A, m, k);
  const aRows = columns ? request.rows.map((_, t) => t) : request.rows;
  const bt = generateNumeratorsTransposed(seed, MATRIX_B, k, n, columns);
  const checked = columns ? columns.length : n;
  const norms = rowNorms(a, columns ? request.rows.length : m, k);

  const rowFactor = elementErrorFactor(challenge.precision, k);
  // NaN (an index that cannot happen) fails every comparison: missing data never passes.
  const tolerances = aRows.map((i) => (rowFactor * (norms[i] ?? NaN)) / VALUE_SCALE);
  let maxRowError = 0;
  const mismatch = forEachProductElement(a, bt, k, checked, aRows, (t, c, exact) => {
    const row = decoded.rows[t];
    const j = columns ? (columns[c] ?? -1) : c;
    const expected = exact / PRODUCT_SCALE;
    const got = row?.values[j] ?? NaN;
    const error = Math.abs(got - expected);
    const tolerance = tolerances[t] ?? NaN;
    if (!(error <= tolerance)) {
      return fail('ROW_MISMATCH', `C[${row?.index}][${j}] is ${got}, A·B gives ${expected} (tolerance ${tolerance.toPrecision(3)} for ${challenge.precision}, K = ${k})`);
    }
    if (error > maxRowError) maxRowError = error;
    return null;
  });
  if (mismatch) return mismatch;

  const y = vectors.length > 0 ? aTimesVectors(a, m, k, bTimesVectors(bt, k, n, vectors)) : [];
  // |A|·(|B|·|r|) ≤ ‖a_i‖₁·‖r‖₁ since |b| ≤ 1: the Freivalds tolerance of component i.
  const freivaldsFactor = freivaldsErrorFactor(challenge.precision, k, n);
  for (const [t, r] of vectors.entries()) {
    const cr = decoded.cr[t];
    const abr = y[t];
    if (!cr || !abr) return fail('MALFORMED', `C·r number ${t} is missing`);
    const rNorm = r.reduce((s, x) => s + Math.abs(x), 0);
    const factor = (freivaldsFactor * rNorm) / VALUE_SCALE;
    const i = firstOutside(cr, abr, 1 / PRODUCT_SCALE, norms, factor);
    if (i >= 0) {
      return fail('FREIVALDS_FAILED', `trial ${t}: (C·r)[${i}] is ${cr[i]}, A·(B·r) gives ${(abr[i] ?? NaN) / PRODUCT_SCALE} (tolerance ${(factor * (norms[i] ?? NaN)).toPrecision(3)})`);
    }
    for (const row of decoded.rows) {
      const { sum, magnitude } = dotWithMagnitude(row.values, r);
      // Only float64 rounding separates the worker's sum from this one.
      if (!(Math.abs(sum - (cr[row.index] ?? NaN)) <= (n + 2) * 2 ** -52 * magnitude)) {
        return fail('FREIVALDS_FAILED', `trial ${t}: (C·r)[${row.index}] is ${cr[row.index]}, but the opened row ${row.index} gives ${sum}`);
      }
    }
  }

  const elapsedMs = request.committedAt - challenge.issuedAt;
  const flop = flopOf(challenge);
  const tflops = (ms: number) => flop / (Math.max(ms, 1e-3) / 1000) / 1e12;
  return {
    ok: true,
    measuredTflops: tflops(elapsedMs),
    elapsedMs,
    flop,
    reportedComputeMs: commitment.computeMs,
    reportedTflops: tflops(commitment.computeMs),
    openedRows: decoded.rows.length,
    checkedColumns: checked,
    freivaldsTrials: request.r.length,
    maxRowError,
  };
}
