import { holdFor } from '@gpux/contracts';
import { fundedShortfall } from './funded-hold';

describe('the funded-hold rule', () => {
  const bid = { gpus: 2, hours: 10, price: 2_100_000 };
  const needed = holdFor(bid, 250);

  it('takes a hold of exactly the worst case as it is, with nothing to release', () => {
    expect(fundedShortfall(bid, needed, 250)).toEqual({ needed, short: false, surplus: 0 });
  });

  it('refuses a hold short of the worst case at the fee now', () => {
    expect(fundedShortfall(bid, holdFor(bid, 100), 250)).toEqual({ needed, short: true, surplus: 0 });
    expect(fundedShortfall(bid, needed - 1, 250).short).toBe(true);
  });

  it('releases what was held above the worst case', () => {
    expect(fundedShortfall(bid, holdFor(bid, 400), 250)).toEqual({
      needed,
      short: false,
      surplus: holdFor(bid, 400) - needed,
    });
  });
});
