/**
 * The verifier's last step (protocol version 2): is the opening consistent with the commitment,
 * and with A_p·B_p?
 *
 * In order, first failure wins: the commitment's shape and echo (MALFORMED, SEED_MISMATCH) and its
 * deadline (DEADLINE_MISSED, also for a late opening); the opening's shape (MALFORMED); each opened
 * leaf (a chunk of a row) against the committed root, through its product's root (PROOF_INVALID);
 * its checked columns against the product recomputed on the CPU from the seed (ROW_MISMATCH).
 *
 * What each part proves (docs/certification.md). The root fixes every row of every product before
 * the worker knows which will be opened; the openings are independent uniform draws, so a worker
 * whose committed leaves are wrong on a fraction f of all leaves passes with probability at most
 * (1 − f)^openLeaves, and a leaf wrong in a fraction g of its elements survives the checked columns
 * with probability (1 − g)^checkColumns. The fresh seed makes any earlier answer useless, and the
 * deadline bounds the time it took.
 *
 * CPU cost, for s opened leaves and c columns: per leaf its row of A_p and c columns of B_p
 * ((1 + c)·n generator calls), c·n multiply-adds, a leaf hash over a KiB and a proof of
 * log2(n·n/LEAF_WIDTH) + log2(products) hashes. Nothing grows with the number of products but the
 * proofs' log2.
 */
import {
  checkCommitment,
  Challenge,
  chunkWidth,
  Commitment,
  fail,
  Failure,
  flopOf,
  LeafRequest,
  leafWidth,
  leavesPerRow,
  Opening,
  OpenRequest,
  Verdict,
} from './challenge';
import { ID_FORM, wrongValue } from './caller-value';
import { leafIndex } from './prover';
import { decodeBytes } from './encoding';
import { leafHash, proofRoot } from './merkle';
import { generateNumeratorsTransposed, generateRowNumerators, parseSeed, VALUE_SCALE } from './prng';
import { productMatrices } from './products';
import { elementErrorFactor } from './tolerance';
import { forEachProductElement, rowNorms } from './verifier-kernels';

const PRODUCT_SCALE = VALUE_SCALE * VALUE_SCALE;

interface DecodedLeaf extends LeafRequest {
  bytes: Buffer;
  values: Float32Array;
  proof: string[];
}

function decodeOpening(
  challenge: Challenge,
  request: OpenRequest,
  opening: Opening,
): DecodedLeaf[] | Failure {
  const { n } = challenge;
  const o = opening as Partial<Record<keyof Opening, unknown>> | null;
  if (typeof o !== 'object' || o === null) return fail('MALFORMED', 'the opening is not an object');
  if (o.challengeId !== challenge.id)
    return fail('SEED_MISMATCH', wrongValue('opening.challengeId', o.challengeId, ID_FORM, challenge.id));
  if (!Array.isArray(o.leaves) || o.leaves.length !== request.leaves.length)
    return fail('MALFORMED', `the opening must hold the ${request.leaves.length} requested leaves`);
  const leaves: DecodedLeaf[] = [];
  for (let t = 0; t < request.leaves.length; t++) {
    const leaf = o.leaves[t] as Partial<Record<keyof Opening['leaves'][number], unknown>> | null;
    const asked = request.leaves[t];
    const name = `leaf ${asked?.chunk} of row ${asked?.row} of product ${asked?.product}`;
    if (
      typeof leaf !== 'object' ||
      leaf === null ||
      !asked ||
      leaf.product !== asked.product ||
      leaf.row !== asked.row ||
      leaf.chunk !== asked.chunk
    ) {
      return fail('MALFORMED', `opening ${t} must be ${name}`);
    }
    const width = chunkWidth(n, asked.chunk);
    if (!(
      Number.isInteger(asked.chunk) &&
      asked.chunk >= 0 &&
      asked.chunk < leavesPerRow(n) &&
      Number.isInteger(asked.row) &&
      asked.row >= 0 &&
      asked.row < n &&
      Number.isInteger(asked.product) &&
      asked.product >= 0 &&
      asked.product < challenge.products
    )) {
      return fail('MALFORMED', `the open request names ${name}, outside the challenge`);
    }
    if (
      !Array.isArray(asked.columns) ||
      asked.columns.length === 0 ||
      !asked.columns.every((j) => Number.isInteger(j) && j >= 0 && j < width)
    )
      return fail('MALFORMED', `the open request names columns outside ${name}`);
    const bytes = decodeBytes(leaf.data, width * 4);
    if (!bytes) return fail('MALFORMED', `${name} must be ${width} f32 values in base64`);
    if (!Array.isArray(leaf.proof) || !leaf.proof.every((p) => typeof p === 'string'))
      return fail('MALFORMED', `${name} needs a proof: a list of hex hashes`);
    const values = new Float32Array(width);
    new Uint8Array(values.buffer).set(bytes);
    leaves.push({ ...asked, bytes, values, proof: leaf.proof as string[] });
  }
  return leaves;
}

/** Whether the leaf's proof leads through its product's root (n·leavesPerRow leaves) to the commitment's root. */
function provesLeaf(challenge: Challenge, root: string, leaf: DecodedLeaf): boolean {
  const { n } = challenge;
  const toProduct = proofRoot(leafHash(leaf.bytes), leafIndex(n, leaf), n * leavesPerRow(n), leaf.proof);
  if (!toProduct) return false;
  const rest = leaf.proof.slice(toProduct.used);
  const toRoot = proofRoot(toProduct.root, leaf.product, challenge.products, rest);
  return toRoot !== null && toRoot.used === rest.length && toRoot.root.toString('hex') === root;
}

export function verifyOpening(
  challenge: Challenge,
  commitment: Commitment,
  request: OpenRequest,
  opening: Opening,
  receivedAt: number,
): Verdict {
  const early = checkCommitment(challenge, commitment, request.committedAt);
  if (early) return early;
  if (request.challengeId !== challenge.id)
    return fail(
      'MALFORMED',
      wrongValue("the open request's challengeId", request.challengeId, ID_FORM, challenge.id),
    );
  if (receivedAt > request.respondBy) {
    return fail(
      'DEADLINE_MISSED',
      `the opening came ${receivedAt - request.committedAt} ms after the open request; ${request.respondBy - request.committedAt} ms were allowed`,
    );
  }
  const decoded = decodeOpening(challenge, request, opening);
  if (!Array.isArray(decoded)) return decoded;

  for (const leaf of decoded) {
    if (!provesLeaf(challenge, commitment.root, leaf))
      return fail(
        'PROOF_INVALID',
        `leaf ${leaf.chunk} of row ${leaf.row} of product ${leaf.product} does not match the committed root`,
      );
  }

  const { n } = challenge;
  const seed = parseSeed(challenge.seed);
  const rowFactor = elementErrorFactor(challenge.precision, n);
  let maxRowError = 0;
  let checkedElements = 0;
  for (const leaf of decoded) {
    const { a: matrixA, b: matrixB } = productMatrices(challenge, leaf.product);
    const first = leaf.chunk * leafWidth(n);
    const columns = leaf.columns.map((c) => first + c);
    // Only the leaf's row of A_p and its checked columns of B_p: (1 + c)·n generator calls.
    const a = generateRowNumerators(seed, matrixA, n, [leaf.row]);
    const bt = generateNumeratorsTransposed(seed, matrixB, n, n, columns);
    const tolerance = (rowFactor * (rowNorms(a, 1, n)[0] ?? NaN)) / VALUE_SCALE;
    const mismatch = forEachProductElement(a, bt, n, columns.length, [0], (_t, c, exact) => {
      const offset = leaf.columns[c]!;
      const expected = exact / PRODUCT_SCALE;
      const got = leaf.values[offset] ?? NaN;
      const error = Math.abs(got - expected);
      // NaN (an index that cannot happen) fails every comparison: missing data never passes.
      if (!(error <= tolerance)) {
        return fail(
          'ROW_MISMATCH',
          `C_${leaf.product}[${leaf.row}][${first + offset}] is ${got}, A·B gives ${expected} (tolerance ${tolerance.toPrecision(3)} for ${challenge.precision}, n = ${n})`,
        );
      }
      if (error > maxRowError) maxRowError = error;
      checkedElements++;
      return null;
    });
    if (mismatch) return mismatch;
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
    products: challenge.products,
    openedLeaves: decoded.length,
    checkedElements,
    maxRowError,
  };
}
