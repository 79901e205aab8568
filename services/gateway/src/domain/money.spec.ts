import { formatMoney, LARGEST, parseMoney, USD_FORMAT } from './money';

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

  it.each([
    ['', 'is empty'],
    ['1.0000001', 'has 7 decimals, more than 6 (a micro-dollar is the smallest amount)'],
    ['1e0', 'has an exponent: write the digits out (e.g. "1" for "1e0", "1500" for "1.5e3")'],
    ['.5E-3', 'has an exponent'],
    [
      '0,50',
      'has a comma: the decimal mark is a point (e.g. "0.50" for "0,50") and there is no thousands separator',
    ],
    ['1,000.00', 'has a comma'],
    ['.50', 'starts with the point: write a digit before it (e.g. "0.50" for ".50")'],
    ['-.5', 'starts with the point'],
    ['1.', 'ends with the point: write a decimal after it, or leave it out (e.g. "1.0" or "1" for "1.")'],
    ['+2.50', 'has a "+" sign: leave it out'],
    ['1.2.3', 'has more than one point'],
    ['1 000', 'has a space inside: write the digits together'],
    ['$2.50', 'has a currency sign: write the digits alone'],
    ['2.50 USD', 'has a currency sign'],
    ['NaN', null],
    ['Infinity', null],
    ['0x10', null],
  ])('refuses %j with the form it takes, and what is wrong where that is easy to tell', (text, wrong) => {
    const parsed = parseMoney(text);
    expect(parsed).toEqual({ ok: false, reason: expect.stringMatching(/^must be /) });
    if (parsed.ok) return;
    expect(parsed.reason.startsWith(`must be ${USD_FORMAT}`)).toBe(true);
    if (wrong === null) expect(parsed.reason).toBe(`must be ${USD_FORMAT}`);
    else expect(parsed.reason).toContain(`; this one ${wrong}`);
    expect(parsed.reason).toContain('digits, then optionally a point and 1 to 6 decimals, e.g. "12.50"');
  });

  it('tells what is wrong in time linear in the text, never quoting it', () => {
    for (const text of [`${'1'.repeat(200_000)}x`, `${','.repeat(200_000)}x`, `${'1'.repeat(200_000)}e`]) {
      const started = Date.now();
      const parsed = parseMoney(text);
      expect(Date.now() - started).toBeLessThan(500);
      expect(parsed).toEqual({ ok: false, reason: `must be ${USD_FORMAT}` });
    }
    expect(parseMoney(`${'1'.repeat(50)}.${'2'.repeat(50)}`)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/; this one has 50 decimals, more than 6 /),
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
