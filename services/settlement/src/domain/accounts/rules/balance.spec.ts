import { covers, fitsBalance } from './balance';

describe('the balance rules', () => {
  it('lets a balance grow up to the largest safe integer, not past it', () => {
    expect(fitsBalance(0, 5_000_000)).toBe(true);
    expect(fitsBalance(Number.MAX_SAFE_INTEGER - 1, 1)).toBe(true);
    expect(fitsBalance(Number.MAX_SAFE_INTEGER - 1, 2)).toBe(false);
  });

  it('covers an amount up to the whole balance', () => {
    expect(covers(500, 499)).toBe(true);
    expect(covers(500, 500)).toBe(true);
    expect(covers(500, 501)).toBe(false);
  });
});
