/**
 * Which side of a trade rested (MAKER) and which came to it (TAKER), as far as its TradeExecuted
 * tells: a trade is at the resting order's price, and the order that came crosses it, so where the
 * two limits differ the maker is the order whose limit is the trade's price. Where both limits are
 * the trade's price the event does not say which rested: null.
 */
export function liquidityOf(
  side: 'bid' | 'ask',
  t: { price: number; bidPrice: number; askPrice: number },
): 'MAKER' | 'TAKER' | null {
  if (t.bidPrice === t.askPrice) return null;
  const limit = side === 'bid' ? t.bidPrice : t.askPrice;
  return limit === t.price ? 'MAKER' : 'TAKER';
}
