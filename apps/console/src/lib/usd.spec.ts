import { formatUsd, usdToNumber } from './usd';

describe('formatUsd', () => {
  it.each([
    ['2.500000', '2.50'],
    ['0.000125', '0.000125'],
    ['1234.500000', '1,234.50'],
    ['1000000.000000', '1,000,000.00'],
    ['-12.340000', '-12.34'],
    ['-0.000000', '0.00'],
    ['0.000000', '0.00'],
    ['7', '7.00'],
    ['00012.1', '12.10'],
  ])('shows %s as %s', (amount, shown) => {
    expect(formatUsd(amount)).toBe(shown);
  });

  it('puts a symbol after the sign', () => {
    expect(formatUsd('-5.000000', 2, '$')).toBe('-$5.00');
    expect(formatUsd('1234.5', 2, '$')).toBe('$1,234.50');
    expect(formatUsd('-0.000000', 2, '$')).toBe('$0.00');
    expect(formatUsd('0.000125', 4, '$')).toBe('$0.000125');
    expect(formatUsd(null, 2, '$')).toBe('—');
  });

  it('keeps the decimals asked for', () => {
    expect(formatUsd('2.000000', 0)).toBe('2');
    expect(formatUsd('2.100000', 4)).toBe('2.1000');
  });

  it('shows an absent amount as a dash and anything else as it came', () => {
    expect(formatUsd(null)).toBe('—');
    expect(formatUsd(undefined)).toBe('—');
    expect(formatUsd('n/a')).toBe('n/a');
  });
});

describe('usdToNumber', () => {
  it('reads an amount for a chart', () => {
    expect(usdToNumber('2.370000')).toBe(2.37);
    expect(usdToNumber('-0.5')).toBe(-0.5);
  });

  it('refuses what is not an amount', () => {
    expect(() => usdToNumber('1e3')).toThrow('not a Usd amount');
    expect(() => usdToNumber('')).toThrow('not a Usd amount');
  });
});
