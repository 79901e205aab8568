import { own } from '@gpux/eventsourcing/domain';
import { feePerGpuHour, holdFor, type Order } from '@gpux/contracts';
import { Fill, PlaceResult } from '../../matching/order-book';
import { engineOrder, MarketEvent, MarketState } from '../market';
import { isPowerBid } from '../rules/buying-power';
import { maySellAt } from '../rules/certified';
import { orderCancelled } from './order-cancelled';

/**
 * The events of an order entering the book: accepted, its trades (the order the taker of each), the
 * resting asks it reached whose node may no longer sell (cancelled, CERTIFICATION_LAPSED), and what
 * it will not trade.
 * The engine only previews here; evolve applies what these events record. `funded`: a bid
 * settlement held funds for before it was placed, and what of them it does not need; or a bid on
 * its account's buying power, and what of it the bid uses (its worst case). What a bid on buying
 * power releases (its trades' `holdReleased`, its remainder's) returns to that buying power.
 */
export function enterBook(
  state: MarketState,
  order: Order,
  now: Date,
  hourMs: number,
  funded?: { heldAmount: number; holdReleased: number } | { powerUsed: number },
): MarketEvent[] {
  const spec = state.spec!;
  // The certification rule, asked of each ask the bid reaches as it reaches it (memoised per node),
  // rather than a sweep of every node with asks before each preview: a certificate lapses at
  // `certifiedUntil` with no event, and a sweep would cost every bid a pass over the market's
  // nodes, where the walk pays one lookup per ask it visits. The engine passes over such an ask as
  // if it were gone, so the fills are those a sweep first would give; the asks it reached are
  // cancelled below, and the ones it did not reach, when a later bid does (or a RecordNode).
  // An ask's walk reaches only bids, so it needs no rule (the ask's own node was judged as placed).
  const maySell = order.side === 'bid' ? maySellAt(state.nodes, spec, now) : undefined;
  const result: PlaceResult = state.book.preview(engineOrder(order), maySell);
  const limitOf = (orderId: string) => (orderId === order.orderId ? order : own(state.orders, orderId))!;
  const onPower = funded !== undefined && 'powerUsed' in funded;
  const bidOnPower = (bidId: string) => (bidId === order.orderId ? onPower : isPowerBid(state, bidId));
  const trades: MarketEvent[] = result.fills.map((fill: Fill, i) => {
    const bid = limitOf(fill.bidId);
    const ask = limitOf(fill.askId);
    const fee = fill.quantity * fill.hours * feePerGpuHour(fill.price, spec.feeRateBps);
    const value = fill.quantity * fill.hours * fill.price;
    return {
      type: 'orders.TradeExecuted',
      data: {
        marketId: spec.marketId,
        tradeId: `${spec.marketId}-t${state.trades + i + 1}`,
        bidId: fill.bidId,
        askId: fill.askId,
        buyerId: fill.buyer,
        providerId: fill.seller,
        nodeId: fill.nodeId,
        price: fill.price,
        bidPrice: bid.price,
        askPrice: ask.price,
        gpus: fill.quantity,
        hours: fill.hours,
        start: now.toISOString(),
        end: new Date(now.getTime() + fill.hours * hourMs).toISOString(),
        value,
        fee,
        holdReleased: holdFor(bid, spec.feeRateBps, fill.quantity) - value - fee,
        // The order entering the book came to every order it trades with: it took, they made.
        takerSide: order.side,
        ...(bidOnPower(fill.bidId) ? { fromPower: true as const } : {}),
      },
    };
  });
  const events: MarketEvent[] = [
    { type: 'orders.OrderAccepted', data: funded ? { order, ...funded } : { order } },
    ...trades,
  ];
  for (const askId of result.barred ?? []) {
    const ask = own(state.orders, askId);
    // An ask of the book is always among the orders; one that is not has nothing to cancel here.
    if (ask) events.push(orderCancelled(ask, state.book.remaining(askId), 'CERTIFICATION_LAPSED', 0));
  }
  if (result.cancelled > 0) {
    // The order was accepted with all its GPUs: readers take the remainder out of the book again.
    events.push(
      orderCancelled(
        order,
        result.cancelled,
        result.reason ?? 'CANCELLED',
        order.side === 'bid' ? holdFor(order, spec.feeRateBps, result.cancelled) : 0,
        { fromPower: onPower },
      ),
    );
  }
  return events;
}
