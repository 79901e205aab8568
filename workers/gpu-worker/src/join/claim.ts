/**
 * What to claim when the provider does not say: the whole proof (generate A and B, multiply, read
 * C back, hash it) timed on this GPU at the challenge's size, then derated. The verifier's deadline
 * allows the claimed compute time plus a quarter and a fixed allowance; claiming half of what was
 * measured leaves an honest worker room for a busy machine and the network. The certified figure
 * is what the verifier measures anyway, not the claim.
 */
import { Challenge, createChallenge, flopOf, isPrecision, secureRandom } from '@gpux/certification';

export const SAFETY_FACTOR = 0.5;

export interface ClaimMeasurement {
  claimTflops: number;
  measuredTflops: number;
  size: number;
  safetyFactor: number;
}

/** Proves `challenge` and resolves with the whole proof's time in ms. */
export type TimedProof = (challenge: Challenge) => Promise<number>;

/** One warm-up proof (compiles the pipelines), then `runs` timed; the slowest counts. */
export async function measureClaim(
  prove: TimedProof,
  size: number,
  precision: string,
  runs = 2,
): Promise<ClaimMeasurement> {
  const rng = secureRandom();
  // One product: what one costs end to end (generation, product, row hashes) at the challenge size.
  const challenge = () =>
    createChallenge({
      n: size,
      products: 1,
      precision: isPrecision(precision) ? precision : 'f32',
      claimedTflops: 1,
      now: Date.now(),
      rng,
    });
  await prove(challenge());
  let slowest = 0;
  for (let i = 0; i < runs; i++) slowest = Math.max(slowest, await prove(challenge()));
  const measuredTflops = flopOf({ n: size, products: 1 }) / (Math.max(slowest, 0.001) / 1000) / 1e12;
  return { claimTflops: measuredTflops * SAFETY_FACTOR, measuredTflops, size, safetyFactor: SAFETY_FACTOR };
}
