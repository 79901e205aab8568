/**
 * What refuses anything aimed at a closed market (an order, a node to register in it): when it
 * closed, where the refuser knows it (the orders read model keeps it; the market's own state does
 * not), that it never reopens, and what to do instead. `refused`: what the market no longer takes.
 * The one wording of every MARKET_CLOSED refusal of a request, so that they all say the same.
 */
export function closedMarketMessage(
  marketId: string,
  closedAt: string | null | undefined,
  refused = 'it takes no orders',
): string {
  const closed = closedAt ? `closed at ${closedAt}` : 'is closed';
  return `market ${marketId} ${closed} and never reopens, so ${refused}: list the markets with the markets query (each says its status) and pick an OPEN one`;
}
