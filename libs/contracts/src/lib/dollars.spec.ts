import { dollars } from './dollars';

describe('dollars: micro-USD as words write them', () => {
  it.each([
    [0, '0.00'],
    [10_000, '0.01'],
    [2_400_000, '2.40'],
    [2_405_000, '2.405'],
    [1, '0.000001'],
    [12_345_678, '12.345678'],
    [10_000_000_000, '10000.00'],
    [-1_500_000, '-1.50'],
  ])('%d is %s', (micros, text) => {
    expect(dollars(micros)).toBe(text);
  });
});
