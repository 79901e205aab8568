/**
 * Which side of a trade rested (MAKER) and which came to it (TAKER). A trade records the side that
 * took (TradeExecuted v2's takerSide): the order of that side is the taker, the other the maker. A
 * trade recorded before it did (v1) tells only by its limits: it is at the resting order's price,
 * and the order that came crosses it, so where the two limits differ the maker is the order whose
 * limit is the trade's price; where both are the trade's price it does not say which rested: null.
 */
export function liquidityOf(
  side: 'bid' | 'ask',
  t: { price: number; bidPrice: number; askPrice: number; takerSide?: 'bid' | 'ask' | null },
): 'MAKER' | 'TAKER' | null {
  if (t.takerSide) return t.takerSide === side ? 'TAKER' : 'MAKER';
  if (t.bidPrice === t.askPrice) return null;
  const limit = side === 'bid' ? t.bidPrice : t.askPrice;
  return limit === t.price ? 'MAKER' : 'TAKER';
}
