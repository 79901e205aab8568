import type { Challenge, Commitment, OpenRequest } from '@gpux/certification';
import { excused } from './excused';

const challenge = { id: 'c1', issuedAt: 1_000, deadline: 2_000 } as Challenge;
const committed = {
  purpose: 'spot' as const,
  challenge,
  commitment: { challengeId: 'c1' } as Commitment,
  request: { challengeId: 'c1', respondBy: 6_000 } as OpenRequest,
};

describe('the excuse rule', () => {
  it('excuses a challenge whose time to answer overlaps when answers could not be taken', () => {
    const spot = { purpose: 'spot' as const, challenge };
    expect(excused(spot, { from: 500, until: 1_200 })).toBe(true);
    expect(excused(spot, { from: 1_500, until: 9_000 })).toBe(true);
    expect(excused(spot, { from: 2_000, until: 2_000 })).toBe(true);
    // An opening's time counts too: due at the open request's deadline once committed.
    expect(excused(committed, { from: 5_000, until: 7_000 })).toBe(true);
  });

  it('does not excuse one answerable all along, or without an outage', () => {
    const spot = { purpose: 'spot' as const, challenge };
    expect(excused(spot)).toBe(false);
    expect(excused(spot, { from: 100, until: 999 })).toBe(false);
    expect(excused(spot, { from: 2_001, until: 9_000 })).toBe(false);
    expect(excused(committed, { from: 6_001, until: 9_000 })).toBe(false);
    // Not an interval: nothing is excused by it.
    expect(excused(spot, { from: 1_800, until: 1_200 })).toBe(false);
    expect(excused(spot, { from: NaN, until: 1_500 })).toBe(false);
  });
});
