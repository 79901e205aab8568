import { formatMoney, LARGEST, parseMoney } from './money';

describe('money at the API', () => {
  it.each([
    ['12.5', 12_500_000],
    ['0.000001', 1],
    ['1000000', 1_000_000_000_000],
    ['-3.25', -3_250_000],
    [' 7 ', 7_000_000],
  ])('reads %j as %i micro-USD', (text, micros) => {
    expect(parseMoney(text)).toEqual({ ok: true, micros });
  });

  it.each(['', '1.0000001', '1e3', '12,50', 'NaN', '1.', '.5'])('refuses %j with a reason', (text) => {
    expect(parseMoney(text)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('decimal amount'),
    });
  });

  it.each([
    '9007199254.740992',
    '-9007199254.740992',
    '999999999999.999999',
    '9999999999999',
    '999999999999999999.99',
    '9'.repeat(400),
  ])('refuses %j: past 2^53 micro-USD no amount is exact', (text) => {
    expect(parseMoney(text)).toEqual({ ok: false, reason: 'must be at most 9007199254.740991 in size' });
  });

  it('reads the largest exact amount, either way', () => {
    expect(parseMoney(LARGEST)).toEqual({ ok: true, micros: Number.MAX_SAFE_INTEGER });
    expect(parseMoney(`-${LARGEST}`)).toEqual({ ok: true, micros: -Number.MAX_SAFE_INTEGER });
  });

  it('writes micro-USD back exactly, six decimals', () => {
    expect(formatMoney(12_500_000)).toBe('12.500000');
    expect(formatMoney(1)).toBe('0.000001');
    expect(formatMoney(-3_250_000)).toBe('-3.250000');
    for (const micros of [0, 1, 999_999, 123_456_789_012])
      expect(parseMoney(formatMoney(micros))).toEqual({ ok: true, micros });
  });

  it('writes a sum past 2^53 micro-USD exactly when it comes as a bigint', () => {
    expect(formatMoney(2n ** 53n + 1n)).toBe('9007199254.740993');
    expect(formatMoney(-(10n ** 18n) - 5n)).toBe('-1000000000000.000005');
    expect(formatMoney(0n)).toBe('0.000000');
    expect(formatMoney(BigInt(12_500_000))).toBe(formatMoney(12_500_000));
  });
});
