import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { LIVE_ORDER_STATUSES } from '@gpux/contracts';
import type { LeaseView, OrderView, TradeView } from '@gpux/read-models';
import { Connection } from '../api/connections';
import { CancelReason, LeaseEndReason, LeaseStatus } from '../api/enums';
import { GraphQLDateTimeString, GraphQLUsd } from '../api/scalars';
import { formatMoney } from '../domain/money';
import { averagePrice } from './average-price';
import { liquidityOf } from './liquidity';

const nullableMoney = (micros: number | null): string | null =>
  micros === null ? null : formatMoney(micros);

export enum Side {
  BID = 'bid',
  ASK = 'ask',
}
registerEnumType(Side, { name: 'Side', description: 'A bid buys GPU-hours; an ask sells them on a node.' });

export enum TimeInForce {
  GTC = 'GTC',
  IOC = 'IOC',
  FOK = 'FOK',
}
registerEnumType(TimeInForce, {
  name: 'TimeInForce',
  description:
    'GTC rests until filled or cancelled; IOC trades what it can now and cancels the rest; FOK trades all now or nothing.',
});

export enum OrderStatus {
  PENDING_FUNDS = 'PENDING_FUNDS',
  OPEN = 'OPEN',
  PARTIALLY_FILLED = 'PARTIALLY_FILLED',
  FILLED = 'FILLED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description: 'PENDING_FUNDS: a bid whose escrow hold settlement has not confirmed yet.',
});

@ObjectType({ description: 'An order. Prices are US dollars per GPU-hour.' })
export class Order {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  marketId!: string;
  @Field(() => ID)
  accountId!: string;
  @Field(() => Side)
  side!: Side;
  @Field(() => GraphQLUsd, { description: 'Limit price per GPU-hour.' })
  price!: string;
  @Field(() => Int)
  gpus!: number;
  @Field(() => Int, { description: 'A bid: the hours wanted. An ask: the most hours offered.' })
  hours!: number;
  @Field(() => ID, { nullable: true })
  nodeId?: string;
  @Field(() => Int, { nullable: true })
  minGpusPerNode?: number;
  @Field(() => TimeInForce)
  timeInForce!: TimeInForce;
  @Field(() => String, {
    nullable: true,
    description:
      "The key the order was placed with, from which its id derives: your clientOrderId (or placeOrder's idempotencyKey), to tell your orders apart by your own ids in myOrders and myOrderUpdated; or, for an order placed without one, the key the gateway made for it (a TIMEOUT names it as extensions.idempotencyKey). Null for orders placed before the key was kept with them.",
  })
  clientOrderId?: string;
  @Field(() => OrderStatus)
  status!: OrderStatus;
  @Field(() => Int)
  filledGpus!: number;
  @Field(() => Int)
  cancelledGpus!: number;
  @Field(() => Int)
  remainingGpus!: number;
  @Field(() => GraphQLUsd, {
    description:
      "What the order has traded for: the sum of its fills' values (GPUs × hours × price each, the fee not included); 0 before any fill. List the fills with myFills(orderId:).",
  })
  filledValue!: string;
  @Field(() => GraphQLUsd, {
    nullable: true,
    description:
      'The average price per GPU-hour of its fills: filledValue over the GPU-hours filled (each fill GPUs × hours; an ask fills bids of different hours), rounded to the nearest micro-dollar, a half up. One price traded at is that price exactly. Null before any fill.',
  })
  averagePrice?: string | null;
  @Field(() => CancelReason, { nullable: true, description: 'Why GPUs of it were cancelled, if any were.' })
  cancelReason?: CancelReason;
  @Field(() => GraphQLDateTimeString)
  createdAt!: string;
  @Field(() => GraphQLDateTimeString)
  updatedAt!: string;
  @Field(() => Int, {
    description:
      'How many changes are recorded to the order (its acceptance, each fill, its cancel; a bid awaiting funds is 1 already): it only grows. Of two states of one order read apart (a query and a myOrderUpdated message, after a reconnect), the one with the higher version is the later; a message at or below the version you hold tells you nothing new.',
  })
  version!: number;
}
export const OrderConnection = Connection(Order, 'Order');

@InputType({ description: 'Which of your orders to list: every condition given must hold.' })
export class OrdersFilter {
  @Field(() => ID, {
    nullable: true,
    description: 'Only your orders in this market, which must exist: an unknown one is refused NOT_FOUND.',
  })
  marketId?: string;
  @Field(() => OrderStatus, { nullable: true })
  status?: OrderStatus;
  @Field(() => Side, { nullable: true })
  side?: Side;
  @Field(() => Boolean, {
    nullable: true,
    description:
      'true: only your live orders, those that may still trade (PENDING_FUNDS, OPEN and PARTIALLY_FILLED: a partly filled GTC order rests too, and status OPEN leaves it out); false: only those that may not (FILLED, CANCELLED). With a status of the other kind it matches nothing, and is refused BAD_USER_INPUT.',
  })
  live?: boolean;
}

/** Whether an order (or what a filter looks at of one: its market, side and status) meets the filter. */
export const matchesOrder = (
  o: { marketId: string; status: string; side: string },
  f: OrdersFilter,
): boolean =>
  (!f.marketId || o.marketId === f.marketId) &&
  (!f.status || o.status === f.status) &&
  (!f.side || o.side === f.side) &&
  (typeof f.live !== 'boolean' || (LIVE_ORDER_STATUSES as readonly string[]).includes(o.status) === f.live);

export enum Liquidity {
  MAKER = 'MAKER',
  TAKER = 'TAKER',
}
registerEnumType(Liquidity, {
  name: 'Liquidity',
  description: 'MAKER: your order rested in the book and the other came to it; TAKER: yours came to it.',
});

@ObjectType({ description: 'A trade from one side: what you bought or sold. Money in US dollars.' })
export class Fill {
  @Field(() => ID)
  tradeId!: string;
  @Field(() => ID, { description: 'The lease the trade created (same id as the trade).' })
  leaseId!: string;
  @Field(() => ID)
  marketId!: string;
  @Field(() => ID)
  orderId!: string;
  @Field(() => Side)
  side!: Side;
  @Field(() => GraphQLUsd, {
    description: "Trade price per GPU-hour: the resting (maker) order's limit price.",
  })
  price!: string;
  @Field(() => Liquidity, {
    nullable: true,
    description:
      "Whether your order rested (MAKER) or came to the resting one (TAKER), as the trade records it (the side that took, Trade.takerSide). A trade recorded before the exchange recorded its taker tells only by its limits: it is at the maker's limit price, so where the two orders' limits differ the order whose limit is the price made it; where both are the price, null.",
  })
  liquidity?: Liquidity | null;
  @Field(() => Int)
  gpus!: number;
  @Field(() => Int, { description: 'How long each GPU is leased, in hours from the trade.' })
  hours!: number;
  @Field(() => ID)
  nodeId!: string;
  @Field(() => GraphQLUsd, { description: 'GPUs × hours × price, the fee not included.' })
  value!: string;
  @Field(() => GraphQLUsd, {
    description:
      "The platform fee, paid by the buyer on top of value: the market's feeRateBps of the price, rounded up to a micro-dollar per GPU-hour, × GPUs × hours.",
  })
  fee!: string;
  @Field(() => GraphQLDateTimeString)
  time!: string;
}
export const FillConnection = Connection(Fill, 'Fill');

@ObjectType({
  description:
    'A lease: GPUs of a node, for a time, paid from the buyer to the provider as it runs. Money in US dollars.',
})
export class Lease {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  marketId!: string;
  @Field(() => ID)
  nodeId!: string;
  @Field(() => ID)
  buyerId!: string;
  @Field(() => ID)
  providerId!: string;
  @Field(() => ID, {
    nullable: true,
    description:
      "Your order the lease came from (Order.id), to its buyer: the bid it was bought with, as its fill's Fill.orderId (myFills(orderId:)). Null to its provider: the ask is not recorded with the lease (the provider's fill with this leaseId names it, Fill.orderId in myFills).",
  })
  orderId?: string | null;
  @Field(() => Int, { description: "GPUs leased, of its node: its trade's GPUs." })
  gpus!: number;
  @Field(() => Int, {
    description:
      "How long each GPU is leased, in whole hours from start to end: its trade's hours (kept as they were if the lease ends early). The lease is gpus × hours GPU-hours, and its value gpus × hours × price. Never null.",
  })
  hours!: number;
  @Field(() => GraphQLUsd, { description: "Price per GPU-hour: its trade's price." })
  price!: string;
  @Field(() => GraphQLUsd, {
    description:
      'GPUs × hours × price for the whole lease, the fee not included: what the provider earns if it delivers it all.',
  })
  value!: string;
  @Field(() => GraphQLUsd, {
    description:
      "The platform fee, paid by the buyer on top of value: the market's feeRateBps of the price, rounded up to a micro-dollar per GPU-hour, × GPUs × hours.",
  })
  fee!: string;
  @Field(() => GraphQLDateTimeString, { description: 'When it starts: when its trade was made.' })
  start!: string;
  @Field(() => GraphQLDateTimeString, {
    description: "When it is due to end: start + its trade's hours (kept as it was if the lease ends early).",
  })
  end!: string;
  @Field(() => GraphQLUsd, { description: 'Charged so far, of value and fee together.' })
  charged!: string;
  @Field(() => GraphQLUsd, {
    description:
      "Of charged, the value: what the provider has earned from the lease so far, credited to its balance as the lease's EARNINGS ledger lines (a moment after each charge). charged minus earned is the fee charged so far.",
  })
  earned!: string;
  @Field(() => GraphQLUsd, { description: 'Given back to the buyer for time the provider did not deliver.' })
  refunded!: string;
  @Field(() => LeaseStatus)
  status!: LeaseStatus;
  @Field(() => Float, { description: 'How much of the lease has been charged, 0 to 1.' })
  progress!: number;
  @Field(() => LeaseEndReason, {
    nullable: true,
    description:
      "Why it ended early, when it is CREDITED: its node stopped delivering (the node's breach; the node's own suspendedReason may have changed since, as it recertifies). It was charged for the time up to the breach, and the rest of what was escrowed for it, the fee included, is refunded. Null while it is ACTIVE and once it ENDED in full.",
  })
  endedReason?: LeaseEndReason | null;
  @Field(() => GraphQLDateTimeString, {
    nullable: true,
    description:
      'Up to when it is charged: charged and earned are what it accrued by then. While it is ACTIVE, the time its last charge reached (charges run in arrears of the clock, so it trails now, and advances with each); once it ENDED in full, its end; once it is CREDITED, when its node stopped delivering (its start, where the node was breached before it began): it was charged up to then, and the rest is refunded (a later time only where it had already been charged past that, as what was charged is not refunded). Null until its first charge or early end, and since a charge made before the exchange recorded this time, until a later charge that records it (it is never worked out from the amounts, which are rounded down).',
  })
  chargedUntil?: string | null;
}
export const LeaseConnection = Connection(Lease, 'Lease');

/** An order as the API shows it: money in US dollars. */
export function toOrder(o: OrderView): Order {
  return {
    id: o.orderId,
    marketId: o.marketId,
    accountId: o.accountId,
    side: o.side as Side,
    price: formatMoney(o.price),
    gpus: o.gpus,
    hours: o.hours,
    ...(o.nodeId ? { nodeId: o.nodeId } : {}),
    ...(o.minGpusPerNode !== undefined ? { minGpusPerNode: o.minGpusPerNode } : {}),
    timeInForce: o.timeInForce as TimeInForce,
    ...(o.clientOrderId !== undefined ? { clientOrderId: o.clientOrderId } : {}),
    status: o.status as OrderStatus,
    filledGpus: o.filled,
    cancelledGpus: o.cancelled,
    remainingGpus: o.remaining,
    filledValue: formatMoney(o.filledValue),
    averagePrice: nullableMoney(averagePrice(o.filledValue, o.filledGpuHours)),
    ...(o.cancelReason ? { cancelReason: o.cancelReason as CancelReason } : {}),
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    version: o.version,
  };
}

/** A trade from one side, the account's. */
export function toFill(t: TradeView, accountId: string): Fill {
  const buyer = t.buyerId === accountId;
  return {
    tradeId: t.tradeId,
    leaseId: t.tradeId,
    marketId: t.marketId,
    orderId: buyer ? t.bidId : t.askId,
    side: buyer ? Side.BID : Side.ASK,
    price: formatMoney(t.price),
    liquidity: liquidityOf(buyer ? 'bid' : 'ask', t) as Liquidity | null,
    gpus: t.gpus,
    hours: t.hours,
    nodeId: t.nodeId,
    value: formatMoney(t.value),
    fee: formatMoney(t.fee),
    time: t.time,
  };
}

/** A lease as `accountId` (its buyer or its provider) sees it: its own order only. */
export function toLease(l: LeaseView, accountId: string): Lease {
  return {
    id: l.leaseId,
    marketId: l.marketId,
    nodeId: l.nodeId,
    buyerId: l.buyerId,
    providerId: l.providerId,
    orderId: l.buyerId === accountId ? l.bidId : null,
    gpus: l.gpus,
    hours: l.hours,
    price: formatMoney(l.price),
    value: formatMoney(l.value),
    fee: formatMoney(l.fee),
    start: l.start,
    end: l.end,
    charged: formatMoney(l.charged),
    earned: formatMoney(l.earned),
    refunded: formatMoney(l.refunded),
    status: l.status,
    progress: l.progress,
    // A reason this gateway does not know (a newer settlement's, in a rolling deploy) is none, not
    // an enum it cannot serialise.
    endedReason:
      l.endedReason !== null && l.endedReason in LeaseEndReason ? (l.endedReason as LeaseEndReason) : null,
    chargedUntil: l.chargedUntil,
  };
}
