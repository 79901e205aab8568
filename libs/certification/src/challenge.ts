/**
 * The certification protocol, version 2 (docs/certification.md): the verifier's first two steps
 * (its messages are in messages.ts).
 *
 *   verifier → worker   Challenge      fresh seed, n, how many products, precision, deadline
 *   worker → verifier   Commitment     one Merkle root over every row of every product
 *   verifier → worker   OpenRequest    leaves (product, row, chunk) and columns to check, drawn only now
 *   worker → verifier   Opening        those leaves, each with its proof up to the root
 *
 * then `verifyOpening` (verifier.ts). The challenge is a batch of `products` independent products
 * C_p = A_p·B_p of n×n matrices that the worker generates from the seed (prng.ts, matrices 2p and
 * 2p + 1), sized from the claimed throughput so that an honest GPU works for a target time
 * (default 10 s): the round trip and the verifier's work are then noise beside it. The worker
 * hashes every row chunk on its GPU (merkle-wgsl.ts; a leaf is LEAF_WIDTH values of a row), builds
 * a tree per product and a tree over the products' roots, and sends only the root. The verifier's
 * work is bounded by the leaves it opens and the columns it checks, whatever the number of products.
 *
 * Every message is plain JSON (see encoding.ts). Functions are pure: the clock (`now`, epoch ms)
 * and the randomness (`rng`) are passed in.
 */
import { ID_FORM, SEED_FORM, wrongValue } from './caller-value';
import {
  Challenge,
  Commitment,
  fail,
  Failure,
  isProtocolVersion,
  LeafRequest,
  OpenRequest,
  PROTOCOL_VERSION,
  PROTOCOL_VERSIONS,
} from './messages';
import { isSeed } from './prng';
import { randomBelow, randomHex, RandomU32, sampleDistinct } from './random';
import { isPrecision, Precision } from './tolerance';

// The messages, for the modules that take them from here.
export * from './messages';

/** Largest n accepted: the verifier's sums stay exact integers (|sum| ≤ n·2^12 < 2^31). */
export const MAX_DIMENSION = 1 << 16;
/** Most products in one challenge: the worker keeps one 32-byte root per product. */
export const MAX_PRODUCTS = 1 << 20;
/**
 * The tree's leaves are chunks of rows of this many f32 values (1 KiB), so an opening carries a
 * kibibyte and a proof per opened leaf whatever n is: 128 leaves fit a Kafka message at n = 8192.
 */
export const LEAF_WIDTH = 256;
/** Columns of a leaf at size n, and leaves per row. */
export const leafWidth = (n: number): number => Math.min(n, LEAF_WIDTH);
export const leavesPerRow = (n: number): number => Math.ceil(n / leafWidth(n));
/** The width of chunk `chunk` of a row: a row's last chunk may be narrower. */
export const chunkWidth = (n: number, chunk: number): number =>
  Math.min(leafWidth(n), n - chunk * leafWidth(n));

export const DEFAULTS = {
  /**
   * Leaves opened: a worker whose committed leaves are wrong on a fraction f of all of them passes
   * with probability at most (1 − f)^128: ≤ 2^-20 for f ≥ 10.3 % (docs/certification.md).
   */
  openLeaves: 128,
  /** Columns checked per opened leaf: a leaf wrong in a fraction g of its elements survives (1 − g)^16. */
  checkColumns: 16,
  /** How long an honest worker should compute, at its claim. */
  targetMs: 10_000,
  /** Deadline slack: a fraction of the claimed compute time, plus a fixed allowance for the round trip. */
  slackFraction: 0.25,
  slackMs: 1000,
  /** Time allowed for the opening: a fixed allowance plus recomputing each opened product at the claim, twice over. */
  openSlackMs: 2000,
  openRecomputeFactor: 2,
} as const;

/** Floating-point operations of the whole challenge: 2·n³ per product. */
export function flopOf(challenge: { n: number; products: number }): number {
  return 2 * challenge.n ** 3 * challenge.products;
}

/** How many products of size n keep a worker that delivers `claimedTflops` busy for `targetMs`. */
export function productsFor(n: number, claimedTflops: number, targetMs: number): number {
  const perProductMs = ((2 * n ** 3) / (claimedTflops * 1e12)) * 1000;
  return Math.min(MAX_PRODUCTS, Math.max(1, Math.round(targetMs / perProductMs)));
}

export interface ChallengeOptions {
  n: number;
  precision: Precision;
  claimedTflops: number;
  now: number;
  rng: RandomU32;
  /** How long an honest worker at the claim should compute (default DEFAULTS.targetMs). */
  targetMs?: number;
  /** Overrides the sizing from the claim (tests). */
  products?: number;
  /** Defaults to 32 hex digits from rng. */
  seed?: string;
  /** Defaults to 16 hex digits from rng. */
  id?: string;
  openLeaves?: number;
  checkColumns?: number;
  slackFraction?: number;
  slackMs?: number;
}

/** The time the commitment may take, ms: claimed compute time plus slack. */
export function allowedMs(
  challenge: { n: number; products: number },
  claimedTflops: number,
  slack: { slackFraction?: number; slackMs?: number } = {},
): number {
  const computeMs = (flopOf(challenge) / (claimedTflops * 1e12)) * 1000;
  return Math.ceil(
    computeMs * (1 + (slack.slackFraction ?? DEFAULTS.slackFraction)) + (slack.slackMs ?? DEFAULTS.slackMs),
  );
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  return value;
}

export function createChallenge(options: ChallengeOptions): Challenge {
  const n = checkInteger('n', options.n, 1, MAX_DIMENSION);
  if (!isPrecision(options.precision))
    throw new RangeError(`precision must be f32 or f16, got ${String(options.precision)}`);
  if (!(Number.isFinite(options.claimedTflops) && options.claimedTflops > 0))
    throw new RangeError(`claimedTflops must be positive, got ${options.claimedTflops}`);
  const targetMs = options.targetMs ?? DEFAULTS.targetMs;
  if (!(Number.isFinite(targetMs) && targetMs > 0))
    throw new RangeError(`targetMs must be positive, got ${targetMs}`);
  const products = checkInteger(
    'products',
    options.products ?? productsFor(n, options.claimedTflops, targetMs),
    1,
    MAX_PRODUCTS,
  );
  const seed = options.seed ?? randomHex(options.rng, 32);
  if (!isSeed(seed)) throw new RangeError(`seed must be 32 lowercase hex digits, got ${seed}`);
  const openLeaves = checkInteger('openLeaves', options.openLeaves ?? DEFAULTS.openLeaves, 1, 4096);
  const checkColumns = checkInteger(
    'checkColumns',
    options.checkColumns ?? Math.min(DEFAULTS.checkColumns, leafWidth(n)),
    1,
    leafWidth(n),
  );
  return {
    version: PROTOCOL_VERSION,
    id: options.id ?? randomHex(options.rng, 16),
    seed,
    n,
    products,
    precision: options.precision,
    claimedTflops: options.claimedTflops,
    issuedAt: options.now,
    deadline: options.now + allowedMs({ n, products }, options.claimedTflops, options),
    openLeaves,
    checkColumns,
  };
}

const HEX64 = /^[0-9a-f]{64}$/;
const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

/**
 * The checks a commitment allows before anything is opened (the challenge's version, the
 * commitment's shape, its echo of the challenge, the deadline). Null when it may be opened.
 * verifyOpening repeats them.
 */
export function checkCommitment(
  challenge: Challenge,
  commitment: Commitment,
  receivedAt: number,
): Failure | null {
  if (!isProtocolVersion((challenge as { version?: unknown }).version))
    return fail(
      'MALFORMED',
      `the challenge is of protocol version ${String((challenge as { version?: unknown }).version)}, not one of ${PROTOCOL_VERSIONS.join(', ')}`,
    );
  const c = commitment as Partial<Record<keyof Commitment, unknown>> | null;
  if (typeof c !== 'object' || c === null) return fail('MALFORMED', 'the commitment is not an object');
  if (typeof c.challengeId !== 'string' || typeof c.seed !== 'string')
    return fail('MALFORMED', 'the commitment lacks challengeId or seed');
  if (typeof c.root !== 'string' || !HEX64.test(c.root))
    return fail('MALFORMED', 'the commitment root is not 64 lowercase hex digits');
  if (!isTime(c.computeMs) || !isTime(c.totalMs))
    return fail('MALFORMED', 'computeMs and totalMs must be non-negative numbers');
  // What the worker sent is repeated only when well-formed (caller-value.ts).
  if (c.challengeId !== challenge.id)
    return fail('SEED_MISMATCH', wrongValue('commitment.challengeId', c.challengeId, ID_FORM, challenge.id));
  if (c.seed !== challenge.seed)
    return fail('SEED_MISMATCH', wrongValue('commitment.seed', c.seed, SEED_FORM, challenge.seed));
  if (receivedAt > challenge.deadline) {
    const elapsed = receivedAt - challenge.issuedAt;
    const tflops = flopOf(challenge) / (Math.max(elapsed, 1) / 1000) / 1e12;
    return fail(
      'DEADLINE_MISSED',
      `the commitment came ${elapsed} ms after the challenge; ${challenge.deadline - challenge.issuedAt} ms were allowed for ${challenge.claimedTflops} TFLOP/s (it delivered at most ${tflops.toPrecision(3)})`,
    );
  }
  return null;
}

/**
 * Once the commitment is in: which leaves to open (independent uniform draws of a product, a row
 * and a chunk) and which of each leaf's columns to check, drawn now, so the worker could not know
 * them when it committed. The opening may take the time to recompute the opened products at the
 * claimed throughput, twice over, plus a fixed allowance: an honest worker computes them again
 * rather than keep every product.
 */
export function openRequest(
  challenge: Challenge,
  commitment: Commitment,
  options: { rng: RandomU32; now: number },
): OpenRequest {
  const { n } = challenge;
  const leaves: LeafRequest[] = [];
  for (let t = 0; t < challenge.openLeaves; t++) {
    const product = randomBelow(options.rng, challenge.products);
    const row = randomBelow(options.rng, n);
    const chunk = randomBelow(options.rng, leavesPerRow(n));
    const width = chunkWidth(n, chunk);
    leaves.push({
      product,
      row,
      chunk,
      columns: sampleDistinct(options.rng, Math.min(challenge.checkColumns, width), width),
    });
  }
  const distinct = new Set(leaves.map((l) => l.product)).size;
  const recomputeMs = ((distinct * 2 * n ** 3) / (challenge.claimedTflops * 1e12)) * 1000;
  return {
    challengeId: commitment.challengeId,
    leaves,
    committedAt: options.now,
    respondBy: options.now + Math.ceil(DEFAULTS.openSlackMs + DEFAULTS.openRecomputeFactor * recomputeMs),
  };
}
