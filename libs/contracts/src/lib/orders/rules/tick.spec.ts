import { onTick } from './tick';

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
});
