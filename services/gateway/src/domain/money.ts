import { dollars } from '@gpux/contracts';
/**
 * Money crosses the API as a decimal string of US dollars with at most six decimals
 * ("12.5", "0.000001"), and lives everywhere else as integer micro-USD. No float ever touches it.
 */
export const MICROS_PER_USD = 1_000_000;
// Any number of digits: one too large is refused for its size, not as if it were not a decimal.
const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,6}))?$/;

/** The largest amount counted exactly (Number.MAX_SAFE_INTEGER micro-USD), as the API writes it. */
export const LARGEST = '9007199254.740991';

/** How an amount is written: what every refusal of one says (and the Usd scalar's description). */
export const USD_FORMAT =
  'an exact decimal string of US dollars: digits, then optionally a point and 1 to 6 decimals, e.g. "12.50" or "0.000001" (no exponent, no thousands separator, no spaces); a leading "-" only where an amount can be negative';

/**
 * What is wrong with `text` (trimmed), which DECIMAL refused, where that is easy to tell; else
 * null. Never quotes the text: the refusal may be long, and graphql-js quotes the value already.
 */
function whatIsWrong(text: string): string | null {
  if (text === '') return 'is empty';
  // Each pattern here runs in time linear in the text (a refused value may be a megabyte long).
  if (/^-?(\d+(\.\d*)?|\.\d+)e[-+]?\d+$/i.test(text))
    return 'has an exponent: write the digits out (e.g. "1" for "1e0", "1500" for "1.5e3")';
  if (/^[-+]?[\d.,]+$/.test(text) && text.includes(','))
    return 'has a comma: the decimal mark is a point (e.g. "0.50" for "0,50") and there is no thousands separator';
  if (/^\+[\d.]+$/.test(text)) return 'has a "+" sign: leave it out';
  if (/^-?\.\d+$/.test(text)) return 'starts with the point: write a digit before it (e.g. "0.50" for ".50")';
  if (/^-?\d+\.$/.test(text))
    return 'ends with the point: write a decimal after it, or leave it out (e.g. "1.0" or "1" for "1.")';
  const decimals = /^-?\d+\.(\d{7,})$/.exec(text)?.[1];
  if (decimals) return `has ${decimals.length} decimals, more than 6 (a micro-dollar is the smallest amount)`;
  if (/^-?[\d.]+$/.test(text) && /\..*\./.test(text)) return 'has more than one point';
  if (/^-?[\d.]+(\s+[\d.]+)+$/.test(text)) return 'has a space inside: write the digits together';
  if (/^[-+]?([$€£]|usd)|([$€£]|usd)$/i.test(text)) return 'has a currency sign: write the digits alone';
  return null;
}

export type MoneyParse = { ok: true; micros: number } | { ok: false; reason: string };

export function parseMoney(text: string): MoneyParse {
  const m = DECIMAL.exec(text.trim());
  if (!m) {
    const wrong = whatIsWrong(text.trim());
    return { ok: false, reason: `must be ${USD_FORMAT}${wrong ? `; this one ${wrong}` : ''}` };
  }
  const [, sign, whole, fraction = ''] = m;
  const micros = Number(whole) * MICROS_PER_USD + Number(fraction.padEnd(6, '0'));
  // Past 2^53 micro-USD a number is no longer exact: the amount would be counted wrong.
  if (!Number.isSafeInteger(micros)) return { ok: false, reason: `must be at most ${LARGEST} in size` };
  return { ok: true, micros: sign === '-' ? -micros : micros };
}

/**
 * Micro-USD as the API writes dollars, six decimals; the same text as every message quotes an
 * amount in (contracts' `dollars`). A bigint (a read model's sum past 2^53) is written exactly.
 */
export const formatMoney: (micros: number | bigint) => string = dollars;
