// Usd amounts as the API sends them: exact decimal strings with six decimals ("2.500000").
// The console shows them without floating point; charts get numbers (display only).

const USD = /^(-?)(\d+)(?:\.(\d{1,6}))?$/;

/**
 * An amount for display: at least `minDecimals` decimals, more only where they are not zero
 * ("2.500000" → "2.50", "0.000125" → "0.000125"), with thousands separated ("1234.5" → "1,234.50").
 * A `symbol` goes after the sign, so that a negative balance reads "-$5.00" (not "$-5.00").
 */
export function formatUsd(amount: string | null | undefined, minDecimals = 2, symbol = ''): string {
  if (amount === null || amount === undefined) return '—';
  const m = USD.exec(amount);
  if (!m) return amount;
  const [, sign, whole = '0', fraction = ''] = m;
  let decimals = fraction.replace(/0+$/, '');
  if (decimals.length < minDecimals) decimals = decimals.padEnd(minDecimals, '0');
  const grouped = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const zero = /^0*$/.test(whole) && /^0*$/.test(fraction);
  return `${zero ? '' : sign}${symbol}${grouped}${decimals ? `.${decimals}` : ''}`;
}

/** The amount as a number, for charts only (never for arithmetic on money). */
export function usdToNumber(amount: string): number {
  if (!USD.test(amount)) throw new Error(`not a Usd amount: ${JSON.stringify(amount)}`);
  return Number(amount);
}
