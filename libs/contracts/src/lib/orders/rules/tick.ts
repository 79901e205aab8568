/** The tick rule: a price is a whole multiple of the market's tick size. */
export function onTick(price: number, tickSize: number): boolean {
  return price % tickSize === 0;
}

/** Micro-USD as the API writes dollars, without trailing zeros: 10000 → "0.01", 2_400_000 → "2.4". */
function dollars(micros: number): string {
  const whole = Math.floor(micros / 1_000_000);
  const fraction = String(micros % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

/**
 * Why a price is off its market's tick, in dollars as the client wrote it, with the nearest prices
 * on the tick (the one below only when it is above zero).
 */
export function offTickMessage(price: number, tickSize: number): string {
  const below = Math.floor(price / tickSize) * tickSize;
  const nearest = [below, below + tickSize].filter((p) => p > 0).map(dollars);
  return `price ${dollars(price)} is not a multiple of the market's tick size, ${dollars(tickSize)}: use ${nearest.join(' or ')}`;
}
