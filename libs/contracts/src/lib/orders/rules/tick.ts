/** The tick rule: a price is a whole multiple of the market's tick size. */
export function onTick(price: number, tickSize: number): boolean {
  return price % tickSize === 0;
}
