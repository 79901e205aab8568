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
      "price 2.405 is not a multiple of the market's tick size, 0.01: use 2.40 or 2.41",
    );
    expect(offTickMessage(1_000, 10_000)).toBe(
      "price 0.001 is not a multiple of the market's tick size, 0.01: use 0.01",
    );
    expect(offTickMessage(12_345_678, 250_000)).toBe(
      "price 12.345678 is not a multiple of the market's tick size, 0.25: use 12.25 or 12.50",
    );
  });
});
