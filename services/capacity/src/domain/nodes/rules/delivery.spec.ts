import { createChallenge, flopOf } from '@gpux/certification';
import { seededStream } from '../../certification/randomness';
import { challengeTiming } from './challenge-timing';
import { deliveredAt } from './delivery';

const options = { certificationTargetMs: 10_000, certificateValidityMs: 86_400_000, spotNoticeMs: 5_000 };
const issued = createChallenge({
  n: 256,
  precision: 'f32',
  claimedTflops: 1,
  now: 1_000_000,
  rng: seededStream('0123456789abcdef0123456789abcdef'),
  ...challengeTiming('spot', options),
});
const computeMs = (flopOf(issued) / 1e12) * 1000;

describe('the delivery rule of a spot check', () => {
  it('at issue allows the claimed compute time, its slack and the wait for the next heartbeat', () => {
    expect(issued.deadline - issued.issuedAt).toBe(Math.ceil(computeMs * 1.25 + 1_000 + 5_000));
  });

  it('restarts the clock at the delivery: the claimed compute time and its slack, no heartbeat wait', () => {
    const at = issued.issuedAt + 4_321;
    const delivered = deliveredAt(issued, at);
    expect(delivered.issuedAt).toBe(at);
    expect(delivered.deadline - at).toBe(Math.ceil(computeMs * 1.25 + 1_000));
    // The work asked for is the same: only its clock moved.
    const { issuedAt: _a, deadline: _b, ...work } = delivered;
    const { issuedAt: _c, deadline: _d, ...asIssued } = issued;
    expect(work).toEqual(asIssued);
  });

  it('gives a check fetched late its whole allowance from the delivery, past the deadline at issue', () => {
    const at = issued.deadline - 1;
    expect(deliveredAt(issued, at).deadline).toBeGreaterThan(issued.deadline);
  });
});
