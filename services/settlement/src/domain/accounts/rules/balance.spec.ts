import {
  availableBalance,
  CARRY_UNIT,
  covers,
  creditBalance,
  debitBalance,
  fitsBalance,
  owned,
} from './balance';

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
    expect(covers({ balance: 500 }, 499)).toBe(true);
    expect(covers({ balance: 500 }, 500)).toBe(true);
    expect(covers({ balance: 500 }, 501)).toBe(false);
    // Past 2^53 every amount (a safe integer) is covered.
    expect(covers({ balance: 0, balanceCarry: 1 }, Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('credits and debits past the largest safe integer exactly, with a carry of 2^53', () => {
    const MAX = Number.MAX_SAFE_INTEGER;
    const exact = (s: { balance: number; balanceCarry?: number }) => availableBalance(s);
    let state: { balance: number; balanceCarry?: number } = { balance: MAX };
    state = creditBalance(state, 4e15);
    expect(state).toEqual({ balance: 4e15 - 1, balanceCarry: 1 });
    state = creditBalance(state, 4e15);
    expect(exact(state)).toBe(17_007_199_254_740_991n);
    // Credits land exactly on the carry's boundary, and debits come back across it.
    expect(creditBalance({ balance: CARRY_UNIT - 1 }, 1)).toEqual({ balance: 0, balanceCarry: 1 });
    expect(debitBalance({ balance: 0, balanceCarry: 1 }, 1)).toEqual({ balance: CARRY_UNIT - 1 });
    state = debitBalance(state, MAX);
    expect(state).toEqual({ balance: 8e15 });
    expect('balanceCarry' in state).toBe(false);
    // Sums of random amounts, against bigint arithmetic.
    let reference = 0n;
    state = { balance: 0 };
    let seed = 7;
    const next = () => (seed = (seed * 48_271) % 2_147_483_647);
    for (let i = 0; i < 2_000; i++) {
      const amount = Math.floor((next() / 2_147_483_647) * MAX);
      if (i % 3 === 2 && BigInt(amount) <= reference) {
        state = debitBalance(state, amount);
        reference -= BigInt(amount);
      } else {
        state = creditBalance(state, amount);
        reference += BigInt(amount);
      }
      expect(exact(state)).toBe(reference);
      expect(state.balance).toBeLessThan(CARRY_UNIT);
    }
  });

  it('counts a carry in what an account owns, so that no deposit goes past it', () => {
    expect(fitsBalance(owned({ balance: 0, balanceCarry: 1 }), 1)).toBe(false);
  });
});
