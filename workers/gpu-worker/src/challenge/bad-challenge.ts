/**
 * A challenge (or an open request) whose own data the worker cannot answer: its numbers out of the
 * protocol's range or this device's, its seed malformed. The agent does not answer such a
 * challenge (it fails at its deadline) and keeps serving; any other failure stays what it was.
 */
import {
  type Challenge,
  isPrecision,
  isProtocolVersion,
  isSeed,
  leavesPerRow,
  MAX_DIMENSION,
  MAX_PRODUCTS,
  PROTOCOL_VERSIONS,
  SEED_HEX_DIGITS,
} from '@gpux/certification';

export class BadChallengeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadChallengeError';
  }
}

export interface ChallengeLimits {
  /** The largest n the session allows (its challengeMaxSize, or its spot size when larger). */
  maxSize?: number;
}

const isInteger = (x: unknown, min: number, max: number): x is number =>
  Number.isSafeInteger(x) && (x as number) >= min && (x as number) <= max;
const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * What is wrong with a challenge as a gateway sent it, or null when it can be answered. Checked
 * before anything is sized from it: a non-integer or non-positive n never ends treeLayout's loop,
 * products 0 has no Merkle tree, a seed parseSeed refuses fails midway.
 */
export function challengeProblem(challenge: Challenge, limits: ChallengeLimits = {}): string | null {
  const c = challenge as Partial<Record<keyof Challenge, unknown>>;
  if (!isProtocolVersion(c.version))
    return `it is of protocol version ${String(c.version)}; this worker answers ${PROTOCOL_VERSIONS.join(' and ')}: upgrade it`;
  if (typeof c.id !== 'string' || c.id === '') return 'its id is not a string';
  if (!isSeed(c.seed))
    return `its seed ${JSON.stringify(c.seed)?.slice(0, 80)} is not ${SEED_HEX_DIGITS} lowercase hex digits`;
  const maxSize = Math.min(MAX_DIMENSION, limits.maxSize ?? MAX_DIMENSION);
  if (!isInteger(c.n, 1, maxSize))
    return `its size n = ${String(c.n)} is not an integer in 1..${maxSize}${maxSize < MAX_DIMENSION ? " (the session's largest)" : ''}`;
  if (!isInteger(c.products, 1, MAX_PRODUCTS))
    return `its product count ${String(c.products)} is not an integer in 1..${MAX_PRODUCTS}`;
  if (!isPrecision(c.precision)) return `its precision ${JSON.stringify(c.precision)} is not f32 or f16`;
  if (!(isFiniteNumber(c.claimedTflops) && c.claimedTflops > 0))
    return `its claim ${String(c.claimedTflops)} TFLOP/s is not a positive number`;
  if (!(isFiniteNumber(c.issuedAt) && isFiniteNumber(c.deadline) && c.deadline > c.issuedAt))
    return `its deadline ${String(c.deadline)} is not a time after its issue ${String(c.issuedAt)}`;
  return null;
}

/**
 * What is wrong with a leaf an open request names (not an object, its product, row or chunk not
 * one of the challenge's), or null.
 */
export function leafProblem(ref: unknown, challenge: Pick<Challenge, 'n' | 'products'>): string | null {
  const { n, products } = challenge;
  if (typeof ref !== 'object' || ref === null) return `${String(ref)} is not a leaf`;
  const { product, row, chunk } = ref as Partial<Record<'product' | 'row' | 'chunk', unknown>>;
  if (!isInteger(product, 0, products - 1)) return `product ${String(product)} outside 0..${products - 1}`;
  if (!(isInteger(row, 0, n - 1) && isInteger(chunk, 0, leavesPerRow(n) - 1)))
    return `leaf ${String(chunk)} of row ${String(row)} outside the ${n}×${n} product`;
  return null;
}

/** Throws BadChallengeError saying what is wrong with the challenge, unless it can be answered. */
export function checkChallenge(challenge: Challenge, limits: ChallengeLimits = {}): void {
  const problem = challengeProblem(challenge, limits);
  if (problem) throw new BadChallengeError(problem);
}
