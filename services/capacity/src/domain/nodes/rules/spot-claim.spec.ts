import { spotClaim } from './spot-claim';

describe('the spot-claim rule', () => {
  it('claims 80 % of the whole node: the figure per GPU times its GPUs', () => {
    expect(spotClaim(10, 8)).toBeCloseTo(64, 12);
    expect(spotClaim(0.02, 1)).toBeCloseTo(0.016, 12);
  });
});
