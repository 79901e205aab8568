import { NodeRecord, orderStatus, OrderStatus, ordersReadModel as K } from '@gpux/contracts';
import type Redis from 'ioredis';
import { RankedSet, sortedSet } from './paged';

type Hash = Record<string, string>;
const num = (h: Hash, f: string) => Number(h[f] ?? 0);

/** A market as orders keeps it (the venue's rules); money in minor units. */
export interface OrdersMarketView {
  marketId: string;
  gpuClass: string;
  minTflopsPerGpu: number;
  tickSize: number;
  feeRateBps: number;
  status: 'OPEN' | 'CLOSED';
  openedAt: string;
  /** When it closed: only on a closed market (one closed before orders kept it has none). */
  closedAt?: string;
}

/** An order, its status derived from its counters (orderStatus); money in minor units. */
export interface OrderView {
  orderId: string;
  marketId: string;
  accountId: string;
  side: 'bid' | 'ask';
  price: number;
  gpus: number;
  hours: number;
  nodeId?: string;
  minGpusPerNode?: number;
  timeInForce: 'GTC' | 'IOC' | 'FOK';
  /**
   * The key it was placed with: the client's, or the one the gateway made for an order sent without
   * one; absent only for orders placed before the key was kept with them.
   */
  clientOrderId?: string;
  /** A bid's: what pays for it (its balance, or its account's buying power); none for an ask. */
  funding?: 'BALANCE' | 'BUYING_POWER';
  status: OrderStatus;
  filled: number;
  cancelled: number;
  remaining: number;
  /** The sum of its trades' values (GPUs × hours × price), and of their GPUs × hours. */
  filledValue: number;
  filledGpuHours: number;
  cancelReason?: string;
  createdAt: string;
  updatedAt: string;
  /** How many changes are recorded to it (1 once placed): the higher of two states is the later. */
  version: number;
}

/** What a myOrders filter looks at of an order (its market, side and status), without the rest. */
export interface OrderFacets {
  orderId: string;
  marketId: string;
  side: 'bid' | 'ask';
  status: OrderStatus;
}

/** The fields of an order's hash its facets are read from (orderFacets). */
const FACET_FIELDS = ['marketId', 'side', 'gpus', 'filled', 'cancelled', 'accepted', 'cancelReason'] as const;

/** A funded bid the market refused: its rejection, as a rejected PlaceOrder would have said it. */
export interface FundedBidRefusalView {
  orderId: string;
  code: string;
  message: string;
  field?: string;
}

/** A trade as orders keeps it (the TradeExecuted data); money in minor units. */
export interface TradeView {
  tradeId: string;
  marketId: string;
  buyerId: string;
  providerId: string;
  bidId: string;
  askId: string;
  nodeId: string;
  price: number;
  /** The two orders' limit prices: the trade's price is the resting (maker) one's. */
  bidPrice: number;
  askPrice: number;
  /**
   * The side of the order that came to the book and took the resting one (the other made it);
   * null for a trade recorded before TradeExecuted carried it (v1).
   */
  takerSide: 'bid' | 'ask' | null;
  gpus: number;
  hours: number;
  value: number;
  fee: number;
  time: string;
}

/** The market of a market hash (ordersReadModel.market); null when there is none. */
export function ordersMarketView(marketId: string, h: Hash): OrdersMarketView | null {
  if (!h['gpuClass']) return null;
  return {
    marketId,
    gpuClass: h['gpuClass'],
    minTflopsPerGpu: Number(h['minTflopsPerGpu']),
    tickSize: Number(h['tickSize']),
    feeRateBps: Number(h['feeRateBps']),
    status: h['status'] === 'CLOSED' ? 'CLOSED' : 'OPEN',
    openedAt: h['openedAt']!,
    ...(h['status'] === 'CLOSED' && h['closedAt'] ? { closedAt: h['closedAt'] } : {}),
  };
}

/** An order's status, from the counters of its hash (orderStatus). */
function statusOf(h: Hash): OrderStatus {
  return orderStatus({
    gpus: num(h, 'gpus'),
    filled: num(h, 'filled'),
    cancelled: num(h, 'cancelled'),
    accepted: h['accepted'] === '1',
    cancelReason: h['cancelReason'] ?? null,
  });
}

/** The order of an order hash (ordersReadModel.order); null when there is none. */
export function orderView(orderId: string, h: Hash): OrderView | null {
  if (!h['marketId']) return null;
  const gpus = num(h, 'gpus');
  const filled = num(h, 'filled');
  const cancelled = num(h, 'cancelled');
  return {
    orderId,
    marketId: h['marketId'],
    accountId: h['accountId']!,
    side: h['side'] === 'ask' ? 'ask' : 'bid',
    price: num(h, 'price'),
    gpus,
    hours: num(h, 'hours'),
    ...(h['nodeId'] ? { nodeId: h['nodeId'] } : {}),
    ...(h['minGpusPerNode'] ? { minGpusPerNode: num(h, 'minGpusPerNode') } : {}),
    timeInForce: h['timeInForce'] as OrderView['timeInForce'],
    ...(h['clientOrderId'] ? { clientOrderId: h['clientOrderId'] } : {}),
    ...(h['side'] === 'ask' ? {} : { funding: h['funding'] === 'BUYING_POWER' ? 'BUYING_POWER' : 'BALANCE' }),
    status: statusOf(h),
    filled,
    cancelled,
    remaining: gpus - filled - cancelled,
    filledValue: num(h, 'filledValue'),
    filledGpuHours: num(h, 'filledGpuHours'),
    ...(h['cancelReason'] ? { cancelReason: h['cancelReason'] } : {}),
    createdAt: h['createdAt'] ?? h['updatedAt']!,
    updatedAt: h['updatedAt']!,
    version: num(h, 'version'),
  };
}

/** The refusal of a refusal hash (ordersReadModel.fundedBidRefusal); null when there is none. */
export function fundedBidRefusalView(h: Hash): FundedBidRefusalView | null {
  if (!h['code'] || !h['orderId']) return null;
  return {
    orderId: h['orderId'],
    code: h['code'],
    message: h['message'] ?? 'refused',
    ...(h['field'] ? { field: h['field'] } : {}),
  };
}

/** The trade of a trade hash (ordersReadModel.trade); null when there is none. */
export function tradeView(tradeId: string, t: Hash): TradeView | null {
  if (!t['marketId']) return null;
  return {
    tradeId,
    marketId: t['marketId'],
    buyerId: t['buyerId']!,
    providerId: t['providerId']!,
    bidId: t['bidId']!,
    askId: t['askId']!,
    nodeId: t['nodeId']!,
    price: num(t, 'price'),
    bidPrice: num(t, 'bidPrice'),
    askPrice: num(t, 'askPrice'),
    takerSide: t['takerSide'] === 'bid' || t['takerSide'] === 'ask' ? t['takerSide'] : null,
    gpus: num(t, 'gpus'),
    hours: num(t, 'hours'),
    value: num(t, 'value'),
    fee: num(t, 'fee'),
    time: t['time'] ?? t['start']!,
  };
}

/** The fields of an order's hash that say when it was placed (orderCreatedAtOf), its market first. */
export const ORDER_CREATED_FIELDS = ['marketId', 'createdAt', 'updatedAt'] as const;

/**
 * When the order was placed, from its ORDER_CREATED_FIELDS as read (as its view says it); null
 * when there is no such order.
 */
export function orderCreatedAtOf([marketId, createdAt, updatedAt]: readonly (string | null)[]):
  string | null {
  return marketId ? (createdAt ?? updatedAt ?? null) : null;
}

/** Reads orders' read model (ordersReadModel in the contracts). */
export class OrdersQueries {
  constructor(private readonly redis: Redis) {}

  async market(marketId: string): Promise<OrdersMarketView | null> {
    return ordersMarketView(marketId, await this.redis.hgetall(K.market(marketId)));
  }

  /**
   * A market's minimum certified f32 TFLOP/s per GPU; undefined without the market (none, or its
   * model being refolded). Certificates and claims below it are refused at the edge's commands.
   */
  async minTflopsPerGpu(marketId: string): Promise<number | undefined> {
    const minimum = Number((await this.redis.hget(K.market(marketId), 'minTflopsPerGpu')) ?? NaN);
    return Number.isFinite(minimum) && minimum >= 0 ? minimum : undefined;
  }

  /** The markets' ids, in the order they opened. */
  markets(): RankedSet {
    return sortedSet(this.redis, K.markets);
  }

  async order(orderId: string): Promise<OrderView | null> {
    return orderView(orderId, await this.redis.hgetall(K.order(orderId)));
  }

  /**
   * The facets of many orders, in one round trip (null for an order not recorded): a filter over
   * thousands of an account's orders reads these, and the whole order only for the page it answers.
   * A pipeline of HMGETs, not a script: one Lua script for 200 orders cost the gateway less (0.15–0.24
   * s against 0.24–0.35 s a query over 30,000 orders) but Redis twice as much (0.22–0.24 s against
   * 0.10–0.12), and Redis is the one thread every service shares, held for the whole script.
   */
  async orderFacets(orderIds: readonly string[]): Promise<(OrderFacets | null)[]> {
    if (orderIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of orderIds) pipeline.hmget(K.order(id), ...FACET_FIELDS);
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, fields], i) => {
      if (error) throw error;
      const h: Hash = {};
      (fields as (string | null)[]).forEach((value, f) => {
        if (value !== null) h[FACET_FIELDS[f]!] = value;
      });
      if (!h['marketId']) return null;
      return {
        orderId: orderIds[i]!,
        marketId: h['marketId'],
        side: h['side'] === 'ask' ? 'ask' : 'bid',
        status: statusOf(h),
      };
    });
  }

  /**
   * Why the market refused a funded bid, by the id of the PlaceOrder settlement wrote for it
   * (ordersReadModel.fundedBidRefusal); null when it was not refused.
   */
  async fundedBidRefusal(placeOrderId: string): Promise<FundedBidRefusalView | null> {
    return fundedBidRefusalView(await this.redis.hgetall(K.fundedBidRefusal(placeOrderId)));
  }

  /**
   * An account's buying power in a market that its bids do not use, minor units (0 for none):
   * ordersReadModel.buyingPower.
   */
  async buyingPower(marketId: string, accountId: string): Promise<number> {
    return Number((await this.redis.hget(K.buyingPower(marketId), accountId)) ?? 0);
  }

  async trade(tradeId: string): Promise<TradeView | null> {
    return tradeView(tradeId, await this.redis.hgetall(K.trade(tradeId)));
  }

  /** An account's order ids, oldest first. */
  accountOrders(accountId: string): RankedSet {
    return sortedSet(this.redis, K.accountOrders(accountId));
  }

  /** An account's orders with GPUs left (PENDING_FUNDS, OPEN, PARTIALLY_FILLED), oldest first. */
  accountLiveOrders(accountId: string): RankedSet {
    return sortedSet(this.redis, K.accountLiveOrders(accountId));
  }

  /**
   * Where each order stands among all the account's orders (its position in accountOrders, oldest
   * first), null for one not listed there. Few orders of many: one ZRANK each, in one round trip;
   * a twentieth of them or more: all the ids at once (a ZRANK costs the gateway about twenty times
   * what one id of a ZRANGE does).
   */
  async accountOrderPositions(accountId: string, orderIds: string[]): Promise<(number | null)[]> {
    if (orderIds.length === 0) return [];
    const key = K.accountOrders(accountId);
    if (orderIds.length * 20 >= (await this.redis.zcard(key))) {
      const at = new Map((await this.redis.zrange(key, 0, -1)).map((id, i) => [id, i]));
      return orderIds.map((id) => at.get(id) ?? null);
    }
    const pipeline = this.redis.pipeline();
    for (const id of orderIds) pipeline.zrank(key, id);
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, rank]) => {
      if (error) throw error;
      return typeof rank === 'number' ? rank : null;
    });
  }

  /** An account's orders filled whole, by when: a superset of its FILLED ones. */
  accountFilledOrders(accountId: string): RankedSet {
    return sortedSet(this.redis, K.accountFilledOrders(accountId));
  }

  /** An account's cancelled orders, by when. */
  accountCancelledOrders(accountId: string): RankedSet {
    return sortedSet(this.redis, K.accountCancelledOrders(accountId));
  }

  /** An account's order ids in one market, oldest first. */
  accountMarketOrders(accountId: string, marketId: string): RankedSet {
    return sortedSet(this.redis, K.accountMarketOrders(accountId, marketId));
  }

  /** An account's order ids on one side (`bid`, `ask`), in one market or in all, oldest first. */
  accountSideOrders(accountId: string, side: string, marketId?: string): RankedSet {
    const key =
      marketId === undefined
        ? K.accountSideOrders(accountId, side)
        : K.accountMarketSideOrders(accountId, marketId, side);
    return sortedSet(this.redis, key);
  }

  /** An order's trade ids, oldest first. */
  orderFills(orderId: string): RankedSet {
    return sortedSet(this.redis, K.orderFills(orderId));
  }

  /** An account's trade ids (as buyer or provider), oldest first. */
  accountFills(accountId: string): RankedSet {
    return sortedSet(this.redis, K.accountFills(accountId));
  }

  /** What a market knows of a node (its certification, as the market judges asks on it). */
  async marketNode(marketId: string, nodeId: string): Promise<NodeRecord | null> {
    const raw = await this.redis.hget(K.marketNodes(marketId), nodeId);
    return raw ? (JSON.parse(raw) as NodeRecord) : null;
  }
}
