import { redisKey } from '../redis-key';

/** A market's status in the read model. */
export const MARKET_STATUSES = ['OPEN', 'CLOSED'] as const;
export type MarketStatus = (typeof MARKET_STATUSES)[number];

/** orders' read model in Redis, as a contract: orders writes it, the gateway reads it. */
export const ordersReadModel = {
  name: 'orders.read-model',
  prefix: 'orders:',
  /** Hash per market: gpuClass, minTflopsPerGpu, tickSize, feeRateBps, status (OPEN | CLOSED), openedAt. */
  market: (marketId: string) => redisKey`orders:markets:${marketId}`,
  /** Sorted set of market ids by opening time. */
  markets: redisKey`orders:market-ids`,
  /**
   * Hash: nodeId → JSON NodeRecord, the nodes a market knows, as capacity last recorded them. A
   * suspended node (orders.NodeSuspended) is left out until capacity records it again (its
   * recertification): the market takes no ask on it meanwhile.
   */
  marketNodes: (marketId: string) => redisKey`orders:markets:${marketId}:nodes`,
  /**
   * Hash per order: the order's fields (marketId, side, accountId, price, gpus, hours, nodeId,
   * minGpusPerNode, timeInForce), funding (BUYING_POWER for a bid on buying power; absent for the
   * others), createdAt, updatedAt, accepted ('1' once in the book), filled,
   * cancelled (GPUs), cancelReason, and of its trades filledValue (the sum of their values, µ$)
   * and filledGpuHours (of GPUs × hours). Its status is derived on reading (see `orderStatus`).
   */
  order: (orderId: string) => redisKey`orders:orders:${orderId}`,
  /** Sorted set of an order's trade ids by time (ms). */
  orderFills: (orderId: string) => redisKey`orders:orders:${orderId}:fills`,
  /**
   * Hash per funded bid the market refused (orders.FundedBidRefused), by the id of the
   * orders.PlaceOrder settlement wrote with its FundsHeld: orderId, accountId, code, message, field,
   * heldAmount (released), time. No order is made of it; the gateway answers its placer from it.
   */
  fundedBidRefusal: (placeOrderId: string) => redisKey`orders:refusals:${placeOrderId}`,
  /**
   * Hash per market: accountId → the account's buying power there that its bids do not use (µ$,
   * docs/event-flows.md "Buying power"); an account with none may have 0 or no field.
   */
  buyingPower: (marketId: string) => redisKey`orders:markets:${marketId}:buying-power`,
  /** Sorted set of an account's order ids by creation time (ms). */
  accountOrders: (accountId: string) => redisKey`orders:accounts:${accountId}:orders`,
  /**
   * Sorted set of an account's orders with GPUs left (PENDING_FUNDS, OPEN, PARTIALLY_FILLED), by
   * creation time: an order leaves it once its filled and cancelled GPUs reach its GPUs.
   */
  accountLiveOrders: (accountId: string) => redisKey`orders:accounts:${accountId}:live-orders`,
  /**
   * Sorted set of an account's orders filled whole, by the time of the trade that filled them (a
   * superset of its FILLED orders: read it, then check each order's status).
   */
  accountFilledOrders: (accountId: string) => redisKey`orders:accounts:${accountId}:filled-orders`,
  /** Sorted set of an account's orders that were cancelled, by the time of the cancel (its CANCELLED ones, and no more). */
  accountCancelledOrders: (accountId: string) => redisKey`orders:accounts:${accountId}:cancelled-orders`,
  /** Sorted set of an account's order ids in one market, by creation time. */
  accountMarketOrders: (accountId: string, marketId: string) =>
    redisKey`orders:accounts:${accountId}:markets:${marketId}:orders`,
  /** Sorted set of an account's order ids on one side (`bid`, `ask`), by creation time. */
  accountSideOrders: (accountId: string, side: string) =>
    redisKey`orders:accounts:${accountId}:sides:${side}:orders`,
  /** Sorted set of an account's order ids on one side of one market, by creation time. */
  accountMarketSideOrders: (accountId: string, marketId: string, side: string) =>
    redisKey`orders:accounts:${accountId}:markets:${marketId}:sides:${side}:orders`,
  /** Hash per trade: the TradeExecuted data as fields. */
  trade: (tradeId: string) => redisKey`orders:trades:${tradeId}`,
  /** Sorted set of an account's trade ids (as buyer or provider) by time (ms). */
  accountFills: (accountId: string) => redisKey`orders:accounts:${accountId}:fills`,
  /** Pub/sub channel: an account's order changed (message: JSON { orderId, type }). */
  accountOrdersChannel: (accountId: string) => redisKey`orders:updates:accounts:${accountId}`,
};

export type OrderStatus = 'PENDING_FUNDS' | 'OPEN' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELLED';

/** The statuses of an order with GPUs left: those its account's live orders hold (accountLiveOrders). */
export const LIVE_ORDER_STATUSES: readonly OrderStatus[] = ['PENDING_FUNDS', 'OPEN', 'PARTIALLY_FILLED'];

/** An order's status from its read-model counters. */
export function orderStatus(o: {
  gpus: number;
  filled: number;
  cancelled: number;
  accepted: boolean;
  cancelReason?: string | null;
}): OrderStatus {
  const remaining = o.gpus - o.filled - o.cancelled;
  if (!o.accepted && !o.cancelReason) return 'PENDING_FUNDS';
  if (remaining > 0) return o.filled > 0 ? 'PARTIALLY_FILLED' : 'OPEN';
  return o.filled === o.gpus ? 'FILLED' : 'CANCELLED';
}
