import { offTickMessage, onTick } from './tick';

describe('the tick rule', () => {
  it.each([
    [2_000_000, 10_000, true],
    [10_000, 10_000, true],
    [2_000_001, 10_000, false],
    [5_000, 10_000, false],
    [7, 1, true],
  ])('price %d on tick %d: %s', (price, tick, on) => {
    expect(onTick(price, tick)).toBe(on);
  });

  it('says why in dollars, with the nearest prices on the tick above zero', () => {
    expect(offTickMessage(2_405_000, 10_000)).toBe(
      "price 2.405000 is not a multiple of the market's tick size, 0.010000: use 2.400000 or 2.410000",
    );
    expect(offTickMessage(1_000, 10_000)).toBe(
      "price 0.001000 is not a multiple of the market's tick size, 0.010000: use 0.010000",
    );
    expect(offTickMessage(12_345_678, 250_000)).toBe(
      "price 12.345678 is not a multiple of the market's tick size, 0.250000: use 12.250000 or 12.500000",
    );
  });
});
