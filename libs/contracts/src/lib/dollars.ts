/**
 * Integer micro-USD as a message to a client writes it: US dollars with two to six decimals, as
 * many as the amount needs (10_000 → "0.01", 2_400_000 → "2.40", 1 → "0.000001"). Only for
 * words: amounts on the API are the gateway's Usd scalar, always six decimals.
 */
export function dollars(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  let fraction = String(abs % 1_000_000).padStart(6, '0');
  while (fraction.length > 2 && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${sign}${Math.floor(abs / 1_000_000)}.${fraction}`;
}
