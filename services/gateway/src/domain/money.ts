/**
 * Money crosses the API as a decimal string of US dollars with at most six decimals
 * ("12.5", "0.000001"), and lives everywhere else as integer micro-USD. No float ever touches it.
 */
export const MICROS_PER_USD = 1_000_000;
// Any number of digits: one too large is refused for its size, not as if it were not a decimal.
const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,6}))?$/;

/** The largest amount counted exactly (Number.MAX_SAFE_INTEGER micro-USD), as the API writes it. */
export const LARGEST = '9007199254.740991';

export type MoneyParse = { ok: true; micros: number } | { ok: false; reason: string };

export function parseMoney(text: string): MoneyParse {
  const m = DECIMAL.exec(text.trim());
  if (!m)
    return {
      ok: false,
      reason: 'must be a decimal amount of US dollars with at most 6 decimals, e.g. "12.50"',
    };
  const [, sign, whole, fraction = ''] = m;
  const micros = Number(whole) * MICROS_PER_USD + Number(fraction.padEnd(6, '0'));
  // Past 2^53 micro-USD a number is no longer exact: the amount would be counted wrong.
  if (!Number.isSafeInteger(micros)) return { ok: false, reason: `must be at most ${LARGEST} in size` };
  return { ok: true, micros: sign === '-' ? -micros : micros };
}

/** Micro-USD as the API writes dollars. A bigint (a read model's sum past 2^53) is written exactly. */
export function formatMoney(micros: number | bigint): string {
  if (typeof micros === 'bigint') {
    const abs = micros < 0n ? -micros : micros;
    const per = BigInt(MICROS_PER_USD);
    return `${micros < 0n ? '-' : ''}${abs / per}.${String(abs % per).padStart(6, '0')}`;
  }
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  return `${sign}${Math.floor(abs / MICROS_PER_USD)}.${String(abs % MICROS_PER_USD).padStart(6, '0')}`;
}
