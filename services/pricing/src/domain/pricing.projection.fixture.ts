// Test support: orders events as the orders service writes them, built tersely.
import { Envelope, MarketSpec, Order, OrderCancelled, ordersMessages, TradeExecuted } from '@gpux/contracts';

let sequence = 0;

function envelope(type: string, subject: string, time: string, data: unknown): Envelope {
  const id = `e${++sequence}`;
  return {
    id,
    type,
    source: 'orders',
    subject,
    time,
    schemaVersion: ordersMessages.currentVersion(type),
    correlationId: id,
    causationId: null,
    data,
  };
}

export const marketOpened = (spec: Partial<MarketSpec> & { marketId: string }, time: string): Envelope =>
  envelope('orders.MarketOpened', spec.marketId, time, {
    gpuClass: 'H100-80GB',
    minTflopsPerGpu: 400,
    tickSize: 10_000,
    feeRateBps: 25,
    ...spec,
  });

export const marketClosed = (marketId: string, time: string): Envelope =>
  envelope('orders.MarketClosed', marketId, time, { marketId });

export const accepted = (
  order: Pick<Order, 'marketId' | 'orderId' | 'side' | 'price' | 'gpus'> & Partial<Order>,
  time: string,
): Envelope =>
  envelope('orders.OrderAccepted', order.marketId, time, {
    order: {
      accountId: order.side === 'bid' ? 'buyer' : 'provider',
      hours: 1,
      timeInForce: 'GTC',
      ...(order.side === 'ask' ? { nodeId: 'node-1' } : {}),
      ...order,
    },
  });

/**
 * A trade between a bid and an ask at the maker's price; value = gpus × hours × price. Without
 * `takerSide`, a trade as one recorded before TradeExecuted carried it (v1) reads.
 */
export const traded = (
  t: Pick<
    TradeExecuted,
    'marketId' | 'tradeId' | 'bidId' | 'askId' | 'price' | 'bidPrice' | 'askPrice' | 'gpus'
  > & { hours?: number; takerSide?: TradeExecuted['takerSide'] },
  time: string,
): Envelope => {
  const hours = t.hours ?? 1;
  const value = t.gpus * hours * t.price;
  const data: TradeExecuted = {
    buyerId: 'buyer',
    providerId: 'provider',
    nodeId: 'node-1',
    start: time,
    end: new Date(Date.parse(time) + hours * 3_600_000).toISOString(),
    fee: Math.ceil(value / 400),
    holdReleased: 0,
    ...t,
    hours,
    value,
  };
  return envelope('orders.TradeExecuted', t.marketId, time, data);
};

export const cancelled = (
  c: Pick<OrderCancelled, 'marketId' | 'orderId' | 'side' | 'price' | 'gpus' | 'reason'> & {
    holdReleased?: number;
    bookGpus?: number;
  },
  time: string,
): Envelope =>
  envelope('orders.OrderCancelled', c.marketId, time, {
    accountId: c.side === 'bid' ? 'buyer' : 'provider',
    // A resting bid's cancel releases the rest of its hold; an ask holds nothing.
    holdReleased: c.side === 'bid' ? c.gpus * c.price : 0,
    // A bid refused its funds never entered the book.
    bookGpus: c.reason === 'FUNDS_REJECTED' ? 0 : c.gpus,
    ...c,
  });
