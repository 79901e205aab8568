import { issueChallengeSchema, NUMBER_LIMITS } from '@gpux/contracts';
import { spotClaim } from './spot-claim';

describe('the spot-claim rule', () => {
  it('claims 80 % of the whole node: the figure per GPU times its GPUs', () => {
    expect(spotClaim(10, 8)).toBeCloseTo(64, 12);
    expect(spotClaim(0.02, 1)).toBeCloseTo(0.016, 12);
  });

  it('never claims more than an IssueChallenge accepts, however large the certified node', () => {
    // An administrator may certify 100,000 TFLOP/s per GPU on a node of 1,024 GPUs.
    expect(spotClaim(NUMBER_LIMITS.tflops, NUMBER_LIMITS.nodeGpus)).toBe(NUMBER_LIMITS.tflops);
    expect(issueChallengeSchema.shape.claimedTflops.safeParse(spotClaim(100_000, 1_024)).success).toBe(true);
    expect(spotClaim(200, 1_000)).toBe(NUMBER_LIMITS.tflops);
    expect(spotClaim(100, 1_000)).toBeCloseTo(80_000, 9);
  });
});
