import { dollars } from '../../dollars';

/** The tick rule: a price is a whole multiple of the market's tick size. */
export function onTick(price: number, tickSize: number): boolean {
  return price % tickSize === 0;
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
