import { formatMoney, parseMoney } from './money';

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

  it.each(['', '1.0000001', '1e3', '12,50', 'NaN', '1.', '.5', '9999999999999'])(
    'refuses %j with a reason',
    (text) => {
      expect(parseMoney(text)).toMatchObject({
        ok: false,
        reason: expect.stringContaining('decimal amount'),
      });
    },
  );

  it('writes micro-USD back exactly, six decimals', () => {
    expect(formatMoney(12_500_000)).toBe('12.500000');
    expect(formatMoney(1)).toBe('0.000001');
    expect(formatMoney(-3_250_000)).toBe('-3.250000');
    for (const micros of [0, 1, 999_999, 123_456_789_012])
      expect(parseMoney(formatMoney(micros))).toEqual({ ok: true, micros });
  });
});
