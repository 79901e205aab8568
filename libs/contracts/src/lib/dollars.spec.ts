import { dollars } from './dollars';

describe('dollars: micro-USD as the API and its messages write them', () => {
  it.each([
    [0, '0.000000'],
    [10_000, '0.010000'],
    [2_400_000, '2.400000'],
    [2_405_000, '2.405000'],
    [1, '0.000001'],
    [12_345_678, '12.345678'],
    [89_799_000, '89.799000'],
    [10_000_000_000, '10000.000000'],
    [-1_500_000, '-1.500000'],
  ])('%d is %s', (micros, text) => {
    expect(dollars(micros)).toBe(text);
  });

  it('writes a bigint past the largest safe integer exactly', () => {
    expect(dollars(17_007_199_254_740_991n)).toBe('17007199254.740991');
    expect(dollars(-9_007_199_254_740_993n)).toBe('-9007199254.740993');
    expect(dollars(2_400_000n)).toBe('2.400000');
  });
});
