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
registerEnumType(Side, {
  name: 'Side',
  description: 'A bid buys GPU-hours; an ask sells them on a node.',
  valuesMap: {
    BID: { description: 'Buys GPUs for the hours it wants (a BUYER key).' },
    ASK: { description: 'Sells GPUs of one of your nodes, for up to its hours (a PROVIDER key).' },
  },
});

export enum OrderFunding {
  BALANCE = 'BALANCE',
  BUYING_POWER = 'BUYING_POWER',
}
registerEnumType(OrderFunding, {
  name: 'OrderFunding',
  description:
    "What pays for a bid's worst case (GPUs × hours × limit price, with the fee) while it may trade.",
  valuesMap: {
    BALANCE: {
      description:
        'Your available balance: settlement holds the worst case before the market sees the bid (two steps). Short of it: INSUFFICIENT_FUNDS.',
    },
    BUYING_POWER: {
      description:
        "The buying power you allotted to the bid's market (allotBuyingPower): the market decides the bid alone, one step, the fastest way to bid. What the bid does not spend (a trade below its limit, a cancel) returns to that buying power, not to your balance. Short of it: INSUFFICIENT_FUNDS on input.price, saying what there is (extensions.available).",
    },
  },
});

@ObjectType({
  description:
    'Your buying power in one market (allotBuyingPower): money set aside from your balance for your bids there, which the market spends on bids placed with funding BUYING_POWER without asking settlement. Amounts in US dollars.',
})
export class BuyingPower {
  @Field(() => ID, { description: 'The market it is for.' })
  marketId!: string;
  @Field(() => ID, { description: 'Your account.' })
  accountId!: string;
  @Field(() => GraphQLUsd, {
    description:
      'What no bid of yours uses now: what a new bid on it can take, and what releaseBuyingPower can give back. What your resting bids on it hold returns here when they trade below their limit or are cancelled.',
  })
  available!: string;
}

export enum TimeInForce {
  GTC = 'GTC',
  IOC = 'IOC',
  FOK = 'FOK',
}
registerEnumType(TimeInForce, {
  name: 'TimeInForce',
  description:
    'GTC rests until filled or cancelled; IOC trades what it can now and cancels the rest; FOK trades all now or nothing.',
  valuesMap: {
    GTC: {
      description:
        'Good till cancelled: what does not trade at once rests in the book until it trades or is cancelled.',
    },
    IOC: {
      description: 'Immediate or cancel: trades what it can at once; the rest is cancelled (IOC_REMAINDER).',
    },
    FOK: {
      description: 'Fill or kill: trades all its GPUs at once, or nothing (FOK_UNFILLABLE).',
    },
  },
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
  valuesMap: {
    PENDING_FUNDS: {
      description:
        'A bid whose escrow hold settlement has not confirmed yet: not in the book, it trades nothing until it is.',
    },
    OPEN: { description: 'Accepted and resting in the book; nothing traded yet.' },
    PARTIALLY_FILLED: { description: 'Some GPUs traded, and the rest rests in the book.' },
    FILLED: { description: 'Every GPU traded.' },
    CANCELLED: {
      description:
        'Nothing left to trade, and not every GPU traded: the rest was cancelled (cancelReason says why); some may have traded before (filledGpus).',
    },
  },
});

@ObjectType({ description: 'An order. Prices are US dollars per GPU-hour.' })
export class Order {
  @Field(() => ID, {
    description: "The order's id (ord-…), derived from its account and clientOrderId: never used again.",
  })
  id!: string;
  @Field(() => ID, { description: 'The market it was placed in.' })
  marketId!: string;
  @Field(() => ID, { description: 'The account that placed it.' })
  accountId!: string;
  @Field(() => Side, { description: 'Whether it buys (BID) or sells (ASK).' })
  side!: Side;
  @Field(() => GraphQLUsd, { description: 'Limit price per GPU-hour.' })
  price!: string;
  @Field(() => Int, { description: 'GPUs ordered: a bid the GPUs it wants, an ask those it offers.' })
  gpus!: number;
  @Field(() => Int, { description: 'A bid: the hours wanted. An ask: the most hours offered.' })
  hours!: number;
  @Field(() => ID, { nullable: true, description: 'An ask: the node whose GPUs it sells. Null for a bid.' })
  nodeId?: string;
  @Field(() => Int, {
    nullable: true,
    description:
      'A bid: the fewest GPUs it takes from one node, as placed (PlaceOrderInput.minGpusPerNode). Null for an ask, and for a bid placed without one.',
  })
  minGpusPerNode?: number;
  @Field(() => TimeInForce, {
    description: 'How long it may rest: GTC until traded or cancelled, IOC and FOK never.',
  })
  timeInForce!: TimeInForce;
  @Field(() => String, {
    nullable: true,
    description:
      "The key the order was placed with, from which its id derives: your clientOrderId (or placeOrder's idempotencyKey), to tell your orders apart by your own ids in myOrders and myOrderUpdated; or, for an order placed without one, the key the gateway made for it (a TIMEOUT names it as extensions.idempotencyKey). Null for orders placed before the key was kept with them.",
  })
  clientOrderId?: string;
  @Field(() => OrderFunding, {
    nullable: true,
    description:
      'A bid: what pays for it, as it was placed (placeOrder input.funding): BALANCE, or BUYING_POWER (what it does not spend returns to your buying power in its market). Null for an ask.',
  })
  funding?: OrderFunding;
  @Field(() => OrderStatus, {
    description: 'Where it stands: waiting for funds, resting, filled or cancelled.',
  })
  status!: OrderStatus;
  @Field(() => Int, { description: 'GPUs traded so far (its fills, myFills(orderId:)).' })
  filledGpus!: number;
  @Field(() => Int, { description: 'GPUs cancelled, never to trade (cancelReason says why); 0 if none.' })
  cancelledGpus!: number;
  @Field(() => Int, {
    description:
      'GPUs still to trade: gpus less filledGpus and cancelledGpus; 0 once it is FILLED or CANCELLED.',
  })
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
  @Field(() => GraphQLDateTimeString, {
    description:
      'When the exchange recorded it: a bid when it began waiting for funds (or, funded first, when accepted), an ask when accepted.',
  })
  createdAt!: string;
  @Field(() => GraphQLDateTimeString, {
    description: 'When it last changed: its placing or acceptance, its latest fill, or its cancel.',
  })
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
  @Field(() => OrderStatus, { nullable: true, description: 'Only your orders of this status.' })
  status?: OrderStatus;
  @Field(() => Side, { nullable: true, description: 'Only your bids (BID) or only your asks (ASK).' })
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
  valuesMap: {
    MAKER: {
      description:
        'Your order was resting in the book, and the other came to it: the trade is at your limit price.',
    },
    TAKER: {
      description:
        "Your order came to the book and took the resting one: the trade is at the resting order's limit price.",
    },
  },
});

@ObjectType({ description: 'A trade from one side: what you bought or sold. Money in US dollars.' })
export class Fill {
  @Field(() => ID, { description: 'The trade (Trade.id).' })
  tradeId!: string;
  @Field(() => ID, { description: 'The lease the trade created (same id as the trade).' })
  leaseId!: string;
  @Field(() => ID, { description: 'The market the trade was made in.' })
  marketId!: string;
  @Field(() => ID, {
    description: 'Your order that traded: your bid where you bought, your ask where you sold.',
  })
  orderId!: string;
  @Field(() => Side, { description: 'Your side of the trade: BID where you bought, ASK where you sold.' })
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
  @Field(() => Int, { description: 'GPUs traded (leased).' })
  gpus!: number;
  @Field(() => Int, { description: 'How long each GPU is leased, in hours from the trade.' })
  hours!: number;
  @Field(() => ID, { description: 'The node whose GPUs were leased.' })
  nodeId!: string;
  @Field(() => GraphQLUsd, { description: 'GPUs × hours × price, the fee not included.' })
  value!: string;
  @Field(() => GraphQLUsd, {
    description:
      "The platform fee, paid by the buyer on top of value: the market's feeRateBps of the price, rounded up to a micro-dollar per GPU-hour, × GPUs × hours.",
  })
  fee!: string;
  @Field(() => GraphQLDateTimeString, { description: 'When the trade was recorded.' })
  time!: string;
}
export const FillConnection = Connection(Fill, 'Fill');

@ObjectType({
  description:
    'A lease: GPUs of a node, for a time, paid from the buyer to the provider as it runs. Money in US dollars.',
})
export class Lease {
  @Field(() => ID, { description: "The lease's id: its trade's (Trade.id, Fill.leaseId)." })
  id!: string;
  @Field(() => ID, { description: 'The market its trade was made in.' })
  marketId!: string;
  @Field(() => ID, { description: 'The node whose GPUs are leased.' })
  nodeId!: string;
  @Field(() => ID, { description: 'The account that bought it, and pays for it.' })
  buyerId!: string;
  @Field(() => ID, { description: "The account that sold it (the node's provider), and earns from it." })
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
  @Field(() => LeaseStatus, { description: 'Whether it runs, ran to its end, or ended early.' })
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
    ...(o.funding ? { funding: o.funding as OrderFunding } : {}),
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
