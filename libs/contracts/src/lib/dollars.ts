/**
 * Integer micro-USD as the API writes US dollars (its Usd scalar) and every message to a client
 * quotes them: always six decimals (10_000 → "0.010000", 1 → "0.000001"), so that a figure in a
 * message reads as the same figure in a field (extensions.available, a Fill's value).
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
  return `${sign}${whole}.${String(micros).padStart(6, '0')}`;
}
