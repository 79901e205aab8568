import { covers, fitsBalance, owned } from './balance';

describe('the balance rules', () => {
  it('lets a balance grow up to the largest safe integer, not past it', () => {
    expect(fitsBalance(0, 5_000_000)).toBe(true);
    expect(fitsBalance(Number.MAX_SAFE_INTEGER - 1, 1)).toBe(true);
    expect(fitsBalance(Number.MAX_SAFE_INTEGER - 1, 2)).toBe(false);
  });

  it('counts what an account holds and has in escrow as its own: each comes back to its balance', () => {
    expect(owned({ balance: 7 })).toBe(7);
    expect(
      owned({
        balance: 100,
        held: { b1: 20, b2: 5 },
        leases: {
          t1: { providerId: 'p', value: 1_000, fee: 30, start: 0, end: 1, chargedValue: 400, chargedFee: 12 },
        },
      }),
    ).toBe(100 + 25 + 618);
    // 9e15 deposited, 5e15 held for a bid: another 5e15 would be past the largest safe integer once
    // the bid is cancelled, though the available balance alone has room for it.
    const state = { balance: 4e15, held: { bid: 5e15 } };
    expect(fitsBalance(state.balance, 5e15)).toBe(true);
    expect(fitsBalance(owned(state), 5e15)).toBe(false);
    expect(fitsBalance(owned(state), Number.MAX_SAFE_INTEGER - 9e15)).toBe(true);
  });

  it('covers an amount up to the whole balance', () => {
    expect(covers(500, 499)).toBe(true);
    expect(covers(500, 500)).toBe(true);
    expect(covers(500, 501)).toBe(false);
  });
});
