/**
 * Integer micro-USD as a message to a client writes it: US dollars with two to six decimals, as
 * many as the amount needs (10_000 → "0.01", 2_400_000 → "2.40", 1 → "0.000001"). Only for
 * words: amounts on the API are the gateway's Usd scalar, always six decimals.
 */
export function dollars(micros: number | bigint): string {
  if (typeof micros === 'bigint') {
    // Past the largest safe integer (an account's balance, rules/balance.ts), exact.
    const abs = micros < 0n ? -micros : micros;
    return withFraction(micros < 0n ? '-' : '', String(abs / 1_000_000n), Number(abs % 1_000_000n));
  }
  const abs = Math.abs(micros);
  return withFraction(micros < 0 ? '-' : '', String(Math.floor(abs / 1_000_000)), abs % 1_000_000);
}

function withFraction(sign: string, whole: string, micros: number): string {
  let fraction = String(micros).padStart(6, '0');
  while (fraction.length > 2 && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${sign}${whole}.${fraction}`;
}
