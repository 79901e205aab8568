/**
 * The certification protocol's messages and the verifier's first two steps (DESIGN.md §6):
 *
 *   verifier → worker   Challenge      fresh seed, sizes, precision, deadline
 *   worker → verifier   Commitment     Merkle root over C's rows, the worker's own timing
 *   verifier → worker   OpenRequest    k distinct rows and t random vectors r, drawn only now
 *   worker → verifier   Opening        those rows with Merkle proofs, and C·r for each r
 *
 * then `verifyOpening` (verifier.ts). Every message is plain JSON (see encoding.ts). Functions are
 * pure: the clock (`now`, epoch ms) and the randomness (`rng`) are passed in.
 *
 * Timing: the commitment must arrive by `deadline`, which allows the time the claimed throughput
 * needs for 2·M·N·K FLOP plus a slack (a fraction of it, a fixed allowance for the round trip and
 * generating A and B, and an allowance per byte of C for reading it back and hashing it). The
 * certified figure is measured on the verifier's clock from issue to commitment, so it includes
 * that overhead: it is a lower bound the worker cannot inflate. The opening is cheap for an
 * honest worker (C is in its memory) and must arrive within `respondBy`.
 */
import { isSeed } from './prng';
import { randomBelow, randomHex, RandomU32, sampleDistinct } from './random';
import { isPrecision, Precision } from './tolerance';

export const PROTOCOL_VERSION = 1;

export interface Challenge {
  version: typeof PROTOCOL_VERSION;
  id: string;
  /** 32 lowercase hex digits: the generator's 128-bit seed (prng.ts). */
  seed: string;
  /** A is m×k, B is k×n, C is m×n. */
  m: number;
  k: number;
  n: number;
  precision: Precision;
  /** The throughput being certified, TFLOP/s. */
  claimedTflops: number;
  /** Epoch ms, verifier's clock. */
  issuedAt: number;
  /** Epoch ms by which the commitment must be received. */
  deadline: number;
  /** How many rows the verifier will open. */
  openRows: number;
  /** How many Freivalds vectors it will send. */
  freivaldsTrials: number;
  /**
   * How many columns of each opened row the verifier recomputes: n (all, the default) or fewer,
   * drawn at random per challenge. See verifier.ts for when fewer is enough.
   */
  checkColumns: number;
}

export interface Commitment {
  challengeId: string;
  /** The challenge's seed, echoed. */
  seed: string;
  /** Merkle root over C's rows (merkle.ts), 64 hex digits. */
  root: string;
  /** The worker's own measure of the product's compute time, ms (informative, not trusted). */
  computeMs: number;
  /** The worker's time from receiving the challenge to the commitment, ms (informative). */
  totalMs: number;
}

export interface OpenRequest {
  challengeId: string;
  /** Distinct row indices in [0, m), in the order their openings must come. */
  rows: number[];
  /** Freivalds vectors: each n integers in [-R, R), R = FREIVALDS_RANGE. */
  r: number[][];
  /**
   * The columns of the opened rows the verifier will recompute, when the challenge checks fewer
   * than n. No secret: the rows are already fixed by the commitment. Absent when all are checked.
   */
  columns?: number[];
  /** Epoch ms the commitment was received (the verifier keeps this; it is no secret). */
  committedAt: number;
  /** Epoch ms by which the opening must be received. */
  respondBy: number;
}

export interface OpenedRow {
  index: number;
  /** n f32 values, little-endian, base64. */
  data: string;
  /** Sibling hashes, leaf to root (merkle.ts). */
  proof: string[];
}

export interface Opening {
  challengeId: string;
  rows: OpenedRow[];
  /** C·r for each vector r of the request, m float64 values little-endian, base64. */
  cr: string[];
}

export type FailureReason = 'PROOF_INVALID' | 'ROW_MISMATCH' | 'FREIVALDS_FAILED' | 'DEADLINE_MISSED' | 'MALFORMED' | 'SEED_MISMATCH';

export interface Failure {
  ok: false;
  reason: FailureReason;
  detail: string;
}

export interface Success {
  ok: true;
  /** 2·m·n·k over the verifier-measured time from issue to commitment, TFLOP/s. */
  measuredTflops: number;
  elapsedMs: number;
  flop: number;
  /** What the worker says its product took, and the TFLOP/s that would mean (not trusted). */
  reportedComputeMs: number;
  reportedTflops: number;
  openedRows: number;
  /** Columns recomputed per opened row. */
  checkedColumns: number;
  freivaldsTrials: number;
  /** Largest |ĉ − c| over the opened elements. */
  maxRowError: number;
}

export type Verdict = Success | Failure;

export const fail = (reason: FailureReason, detail: string): Failure => ({ ok: false, reason, detail });

/** Freivalds vectors' entries are integers in [-FREIVALDS_RANGE, FREIVALDS_RANGE). */
export const FREIVALDS_RANGE = 4096;
/**
 * Largest dimension accepted: the verifier's sums for the opened rows stay exact integers (|sum| ≤
 * K·2^12 < 2^31); Freivalds' float64 sums are exact up to n ≈ 20000 and within tolerance beyond.
 */
export const MAX_DIMENSION = 1 << 16;

export const DEFAULTS = {
  openRows: 16,
  freivaldsTrials: 2,
  /** Deadline slack: a fraction of the claimed compute time, plus a fixed allowance, plus reading back and hashing C. */
  slackFraction: 0.25,
  slackMs: 1000,
  hashBytesPerMs: 100_000,
  /** Time allowed for the opening: a fixed allowance plus C·r at this many multiply-adds per ms. */
  openSlackMs: 2000,
  openMultiplyAddsPerMs: 50_000,
} as const;

export function flopOf(dims: { m: number; k: number; n: number }): number {
  return 2 * dims.m * dims.n * dims.k;
}

export interface ChallengeOptions {
  /** Square size: m = k = n unless given separately. */
  n: number;
  m?: number;
  k?: number;
  precision: Precision;
  claimedTflops: number;
  now: number;
  rng: RandomU32;
  /** Defaults to 32 hex digits from rng. */
  seed?: string;
  /** Defaults to 16 hex digits from rng. */
  id?: string;
  openRows?: number;
  freivaldsTrials?: number;
  /** Columns recomputed per opened row (default n: all). */
  checkColumns?: number;
  slackFraction?: number;
  slackMs?: number;
  hashBytesPerMs?: number;
}

/** The time the commitment may take, ms: claimed compute time plus slack. */
export function allowedMs(dims: { m: number; k: number; n: number }, claimedTflops: number, slack: { slackFraction?: number; slackMs?: number; hashBytesPerMs?: number } = {}): number {
  const computeMs = flopOf(dims) / (claimedTflops * 1e12) * 1000;
  const fraction = slack.slackFraction ?? DEFAULTS.slackFraction;
  const fixed = slack.slackMs ?? DEFAULTS.slackMs;
  const hashing = (dims.m * dims.n * 4) / (slack.hashBytesPerMs ?? DEFAULTS.hashBytesPerMs);
  return Math.ceil(computeMs * (1 + fraction) + fixed + hashing);
}

function checkDimension(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_DIMENSION) throw new RangeError(`${name} must be an integer in 1..${MAX_DIMENSION}, got ${value}`);
  return value;
}

export function createChallenge(options: ChallengeOptions): Challenge {
  const n = checkDimension('n', options.n);
  const m = checkDimension('m', options.m ?? n);
  const k = checkDimension('k', options.k ?? n);
  if (!isPrecision(options.precision)) throw new RangeError(`precision must be f32 or f16, got ${String(options.precision)}`);
  if (!(Number.isFinite(options.claimedTflops) && options.claimedTflops > 0)) throw new RangeError(`claimedTflops must be positive, got ${options.claimedTflops}`);
  const seed = options.seed ?? randomHex(options.rng, 32);
  if (!isSeed(seed)) throw new RangeError(`seed must be 32 lowercase hex digits, got ${seed}`);
  const openRows = options.openRows ?? Math.min(DEFAULTS.openRows, m);
  if (!Number.isInteger(openRows) || openRows < 1 || openRows > m) throw new RangeError(`openRows must be in 1..${m}, got ${openRows}`);
  const freivaldsTrials = options.freivaldsTrials ?? DEFAULTS.freivaldsTrials;
  if (!Number.isInteger(freivaldsTrials) || freivaldsTrials < 0 || freivaldsTrials > 8) throw new RangeError(`freivaldsTrials must be in 0..8, got ${freivaldsTrials}`);
  const checkColumns = options.checkColumns ?? n;
  if (!Number.isInteger(checkColumns) || checkColumns < 1 || checkColumns > n) throw new RangeError(`checkColumns must be in 1..${n}, got ${checkColumns}`);
  return {
    version: PROTOCOL_VERSION,
    id: options.id ?? randomHex(options.rng, 16),
    seed,
    m,
    k,
    n,
    precision: options.precision,
    claimedTflops: options.claimedTflops,
    issuedAt: options.now,
    deadline: options.now + allowedMs({ m, k, n }, options.claimedTflops, options),
    openRows,
    freivaldsTrials,
    checkColumns,
  };
}

const HEX64 = /^[0-9a-f]{64}$/;
const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

/**
 * The checks a commitment allows before anything is opened (shape, echo of the challenge, the
 * deadline). Null when it may be opened. verifyOpening repeats them.
 */
export function checkCommitment(challenge: Challenge, commitment: Commitment, receivedAt: number): Failure | null {
  const c = commitment as Partial<Record<keyof Commitment, unknown>> | null;
  if (typeof c !== 'object' || c === null) return fail('MALFORMED', 'the commitment is not an object');
  if (typeof c.challengeId !== 'string' || typeof c.seed !== 'string') return fail('MALFORMED', 'the commitment lacks challengeId or seed');
  if (typeof c.root !== 'string' || !HEX64.test(c.root)) return fail('MALFORMED', 'the commitment root is not 64 lowercase hex digits');
  if (!isTime(c.computeMs) || !isTime(c.totalMs)) return fail('MALFORMED', 'computeMs and totalMs must be non-negative numbers');
  if (c.challengeId !== challenge.id || c.seed !== challenge.seed) {
    return fail('SEED_MISMATCH', `the commitment answers challenge ${c.challengeId} with seed ${c.seed}, not ${challenge.id} with seed ${challenge.seed}`);
  }
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
 * Once the commitment is in: which rows to open and the Freivalds vectors, drawn now, so the worker
 * could not know them when it committed.
 */
export function openRequest(challenge: Challenge, commitment: Commitment, options: { rng: RandomU32; now: number }): OpenRequest {
  const rows = sampleDistinct(options.rng, challenge.openRows, challenge.m);
  const r: number[][] = [];
  for (let t = 0; t < challenge.freivaldsTrials; t++) {
    r.push(Array.from({ length: challenge.n }, () => randomBelow(options.rng, 2 * FREIVALDS_RANGE) - FREIVALDS_RANGE));
  }
  const work = challenge.m * challenge.n * challenge.freivaldsTrials;
  const sampled = challenge.checkColumns < challenge.n;
  return {
    challengeId: commitment.challengeId,
    rows,
    r,
    ...(sampled ? { columns: sampleDistinct(options.rng, challenge.checkColumns, challenge.n) } : {}),
    committedAt: options.now,
    respondBy: options.now + Math.ceil(DEFAULTS.openSlackMs + work / DEFAULTS.openMultiplyAddsPerMs),
  };
}
