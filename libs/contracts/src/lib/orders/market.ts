import { z } from 'zod';
import { defineServiceMessages, REJECTION_CODES } from '../common';
import { slaBreachReasonSchema } from '../capacity/nodes';
import { entityId, minorUnits, positiveMinorUnits } from '../envelope';
import { ID_LIMITS, NUMBER_LIMITS, TEXT_LIMITS } from '../limits';
import { modelName } from '../text';
import { MessageRegistry } from '../registry';

/** Everything `orders` reads and writes: markets, their nodes, orders and trades. */
export const ordersMessages = new MessageRegistry();

const gpus = z
  .number()
  .int('must be a whole number of GPUs')
  .positive('must be at least 1')
  .max(NUMBER_LIMITS.orderGpus);
const hours = z
  .number()
  .int('must be a whole number of hours')
  .positive('must be at least 1')
  .max(NUMBER_LIMITS.hours);
export const sideSchema = z.enum(['bid', 'ask']);
export const timeInForceSchema = z.enum(['GTC', 'IOC', 'FOK']);

export const marketSpecSchema = z.object({
  marketId: entityId,
  /** The GPU class traded, e.g. `H100-80GB`. */
  gpuClass: z.string().min(1).max(64),
  /** The least certified TFLOP/s per GPU a node must have to sell here. */
  minTflopsPerGpu: z.number().min(0).max(NUMBER_LIMITS.tflops),
  /** Prices are multiples of this, in minor units per GPU-hour. */
  tickSize: positiveMinorUnits,
  /** The platform's fee, in basis points of a trade's value. */
  feeRateBps: z.number().int().min(0).max(NUMBER_LIMITS.feeRateBps),
});
/** The command's: the GPU class must be printable and not blank (the event takes what was recorded). */
/** A market opened now: its id short enough to name its trades after it (ID_LIMITS). */
export const openMarketSchema = marketSpecSchema.extend({
  marketId: entityId.max(ID_LIMITS.marketId, `must be at most ${ID_LIMITS.marketId} characters`),
  gpuClass: modelName(TEXT_LIMITS.gpuClass),
});

export const nodeRecordSchema = z.object({
  marketId: entityId,
  nodeId: entityId,
  /** The provider's account. */
  providerId: entityId,
  gpus,
  /** Certified TFLOP/s per GPU, or null while the node is not (or no longer) certified. */
  certifiedTflopsPerGpu: z.number().min(0).nullable(),
  /** When the certification expires; asks after it are refused until the node recertifies. */
  certifiedUntil: z.iso.datetime({ offset: true }).optional(),
});

export const orderSchema = z.object({
  marketId: entityId,
  orderId: entityId,
  side: sideSchema,
  accountId: entityId,
  /** Limit price per GPU-hour, minor units. */
  price: positiveMinorUnits,
  gpus,
  /** A bid: the hours wanted. An ask: the most hours offered. */
  hours,
  nodeId: entityId.optional(),
  minGpusPerNode: gpus.optional(),
  timeInForce: timeInForceSchema,
  /**
   * The key the order was placed with, from which its id derives: the client's clientOrderId (or
   * idempotencyKey), or the one the gateway made for an order sent without one. Absent in orders
   * recorded before it was carried. Kept so that a client can tell its orders apart by its own ids.
   */
  clientOrderId: z.string().min(1).max(128).optional(),
});

/**
 * v2: a bid settlement has already funded (the new bid path, docs/event-flows.md) carries the
 * amount held for it; without it, a bid first asks for its hold (BidAwaitingFunds).
 */
export const placeOrderSchema = orderSchema.extend({ heldAmount: positiveMinorUnits.optional() });
/**
 * v3: a bid its placer funds from its account's buying power in the market (docs/event-flows.md,
 * "Buying power"): the market decides it alone, and refuses it when that buying power does not
 * cover its worst case.
 */
export const placeOrderV3Schema = placeOrderSchema.extend({ fromPower: z.literal(true).optional() });

export const cancelOrderSchema = z.object({ marketId: entityId, orderId: entityId, accountId: entityId });
export const bidFundsSchema = z.object({ marketId: entityId, orderId: entityId });
export const marketRefSchema = z.object({ marketId: entityId });

export const bidAwaitingFundsSchema = z.object({ order: orderSchema, holdAmount: positiveMinorUnits });
export const orderAcceptedSchema = z.object({ order: orderSchema });
/**
 * v2: a bid settlement funded before it was placed (PlaceOrder with heldAmount) says what was held
 * for it, and what of that it does not need (released as it enters the book: the fee moved).
 */
export const orderAcceptedV2Schema = orderAcceptedSchema.extend({
  heldAmount: positiveMinorUnits.optional(),
  holdReleased: minorUnits.min(0).optional(),
});
/**
 * v3: a bid on its account's buying power in the market (docs/event-flows.md, "Buying power") says
 * what of it the bid set aside: its worst case. What its trades and cancels release of it returns
 * to that buying power (`fromPower` on them), not to the account's balance.
 */
export const orderAcceptedV3Schema = orderAcceptedV2Schema.extend({
  powerUsed: positiveMinorUnits.optional(),
});
/**
 * A bid settlement had already funded that the market refused (the same rules as a PlaceOrder's
 * rejection, or a hold short of what the market asks): its whole hold is released.
 */
export const fundedBidRefusedSchema = z.object({
  order: orderSchema,
  heldAmount: positiveMinorUnits,
  code: z.enum(REJECTION_CODES),
  message: z.string().min(1).max(1000),
  field: z.string().min(1).optional(),
});
export const tradeExecutedSchema = z.object({
  marketId: entityId,
  tradeId: entityId,
  bidId: entityId,
  askId: entityId,
  buyerId: entityId,
  providerId: entityId,
  nodeId: entityId,
  /** The maker's price per GPU-hour. */
  price: positiveMinorUnits,
  /** The limit prices of the two orders, so a reader of the log can keep the book's depth. */
  bidPrice: positiveMinorUnits,
  askPrice: positiveMinorUnits,
  gpus,
  hours,
  /** The lease: from the trade's time for `hours`. */
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
  /** GPUs × hours × price, and the platform's fee on it. */
  value: positiveMinorUnits,
  fee: minorUnits.min(0),
  /** The bid's hold was for its limit price: this much of it is released by the trade. */
  holdReleased: minorUnits.min(0),
});
/**
 * v2: the side of the order that came to the book and took the resting one (the taker, the
 * aggressor; the other, whose limit is the trade's price, made it). A trade has one bid and one
 * ask, so the side names the order. Absent in trades recorded before it was carried (a v1 reads
 * as a v2 without it): for those only the limits tell, and not where both are the trade's price.
 */
export const tradeExecutedV2Schema = tradeExecutedSchema.extend({ takerSide: sideSchema.optional() });
/**
 * v3: the bid is funded by its buyer's buying power in the market: the lease is paid from the
 * buying-power hold (`buyingPowerHoldId`), and `holdReleased` returns to that buying power.
 */
export const tradeExecutedV3Schema = tradeExecutedV2Schema.extend({ fromPower: z.literal(true).optional() });
export const orderCancelledSchema = z.object({
  marketId: entityId,
  orderId: entityId,
  accountId: entityId,
  side: sideSchema,
  /** The order's limit price per GPU-hour. */
  price: positiveMinorUnits,
  /** GPUs that will not trade. */
  gpus,
  reason: z.enum([
    'CANCELLED',
    'IOC_REMAINDER',
    'FOK_UNFILLABLE',
    'SELF_TRADE',
    'MARKET_CLOSED',
    'FUNDS_REJECTED',
    'NODE_SUSPENDED',
    // An ask whose node may no longer sell in the market (its certification expired, or capacity
    // recorded it below the market's minimum): taken out as a bid reaches it, or at that record.
    'CERTIFICATION_LAPSED',
    // A bid confirmed funds on the older handshake (it awaited them outside the book) from an
    // account with the most bids resting by then: it never enters the book.
    'TOO_MANY_OPEN_ORDERS',
  ]),
  /** For a funded bid: the part of its hold this releases. */
  holdReleased: minorUnits.min(0),
  /**
   * GPUs this takes out of the book as a reader of the log counts it (an accepted order's GPUs
   * enter at its limit price; trades and cancels take them out): 0 for a bid that never entered
   * the book (cancelled while awaiting funds, or refused them).
   */
  bookGpus: z.number().int().min(0),
});
/** v2: a bid on buying power: what it releases returns to its account's buying power in the market. */
export const orderCancelledV2Schema = orderCancelledSchema.extend({ fromPower: z.literal(true).optional() });

/**
 * Buying power (docs/event-flows.md, "Buying power"): funds settlement set aside for one account's
 * bids in one market (its hold `buyingPowerHoldId(marketId)`), granted to the market, which
 * spends them on that account's bids without asking settlement, and returns what is left on
 * request or when it closes.
 */
export const grantBuyingPowerSchema = z.object({
  marketId: entityId,
  accountId: entityId,
  amount: positiveMinorUnits,
});
/** Gives back buying power the account's bids do not use: `amount`, or all of it when absent. */
export const releaseBuyingPowerSchema = z.object({
  marketId: entityId,
  accountId: entityId,
  amount: positiveMinorUnits.optional(),
});
export const buyingPowerGrantedSchema = grantBuyingPowerSchema;
/** Buying power the market gives back to settlement (released from the hold in the same transaction). */
export const buyingPowerReturnedSchema = grantBuyingPowerSchema.extend({
  reason: z.enum(['RELEASED', 'MARKET_CLOSED']),
});
/** A grant the market refused (it is closed, or not there): the whole amount goes back. */
export const buyingPowerRefusedSchema = grantBuyingPowerSchema.extend({
  code: z.enum(REJECTION_CODES),
  message: z.string().min(1).max(1000),
  field: z.string().min(1).optional(),
});

/** capacity suspended the node (lost, failed a spot challenge, or revoked): its asks go, its leases are breached. */
export const suspendNodeSchema = z.object({
  marketId: entityId,
  nodeId: entityId,
  reason: slaBreachReasonSchema,
  /** When the node stopped delivering (its last heartbeat, or the failed challenge). */
  at: z.iso.datetime({ offset: true }),
});
/** A lease the node stopped delivering: settlement ends it early and credits the buyer the rest. */
export const leaseBreachedSchema = z.object({
  marketId: entityId,
  leaseId: entityId,
  buyerId: entityId,
  nodeId: entityId,
  reason: suspendNodeSchema.shape.reason,
  at: suspendNodeSchema.shape.at,
});

export type MarketSpec = z.infer<typeof marketSpecSchema>;
export type LeaseBreached = z.infer<typeof leaseBreachedSchema>;
export type NodeRecord = z.infer<typeof nodeRecordSchema>;
export type Order = z.infer<typeof orderSchema>;
export type CancelOrder = z.infer<typeof cancelOrderSchema>;
export type BidFunds = z.infer<typeof bidFundsSchema>;
export type MarketRef = z.infer<typeof marketRefSchema>;
export type BidAwaitingFunds = z.infer<typeof bidAwaitingFundsSchema>;
export type PlaceOrder = z.infer<typeof placeOrderV3Schema>;
export type OrderAccepted = z.infer<typeof orderAcceptedV3Schema>;
export type FundedBidRefused = z.infer<typeof fundedBidRefusedSchema>;
export type TradeExecuted = z.infer<typeof tradeExecutedV3Schema>;
export type OrderCancelled = z.infer<typeof orderCancelledV2Schema>;

export const OrdersCommands = {
  openMarket: ordersMessages.define('orders.OpenMarket', 'command', [
    { version: 1, schema: openMarketSchema },
  ]),
  closeMarket: ordersMessages.define('orders.CloseMarket', 'command', [
    { version: 1, schema: marketRefSchema },
  ]),
  recordNode: ordersMessages.define('orders.RecordNode', 'command', [
    { version: 1, schema: nodeRecordSchema },
  ]),
  placeOrder: ordersMessages.define('orders.PlaceOrder', 'command', [
    { version: 1, schema: orderSchema },
    // v1 is a v2 without heldAmount: a bid that asks for its hold.
    { version: 2, schema: placeOrderSchema, upcast: (v1) => v1 },
    // v2 is a v3 not funded by buying power.
    { version: 3, schema: placeOrderV3Schema, upcast: (v2) => v2 },
  ]),
  cancelOrder: ordersMessages.define('orders.CancelOrder', 'command', [
    { version: 1, schema: cancelOrderSchema },
  ]),
  confirmBidFunds: ordersMessages.define('orders.ConfirmBidFunds', 'command', [
    { version: 1, schema: bidFundsSchema },
  ]),
  rejectBidFunds: ordersMessages.define('orders.RejectBidFunds', 'command', [
    { version: 1, schema: bidFundsSchema },
  ]),
  suspendNode: ordersMessages.define('orders.SuspendNode', 'command', [
    { version: 1, schema: suspendNodeSchema },
  ]),
  grantBuyingPower: ordersMessages.define('orders.GrantBuyingPower', 'command', [
    { version: 1, schema: grantBuyingPowerSchema },
  ]),
  releaseBuyingPower: ordersMessages.define('orders.ReleaseBuyingPower', 'command', [
    { version: 1, schema: releaseBuyingPowerSchema },
  ]),
};

export const OrdersEvents = {
  marketOpened: ordersMessages.define('orders.MarketOpened', 'event', [
    { version: 1, schema: marketSpecSchema },
  ]),
  marketClosed: ordersMessages.define('orders.MarketClosed', 'event', [
    { version: 1, schema: marketRefSchema },
  ]),
  nodeRecorded: ordersMessages.define('orders.NodeRecorded', 'event', [
    { version: 1, schema: nodeRecordSchema },
  ]),
  bidAwaitingFunds: ordersMessages.define('orders.BidAwaitingFunds', 'event', [
    { version: 1, schema: bidAwaitingFundsSchema },
  ]),
  orderAccepted: ordersMessages.define('orders.OrderAccepted', 'event', [
    { version: 1, schema: orderAcceptedSchema },
    { version: 2, schema: orderAcceptedV2Schema, upcast: (v1) => v1 },
    // v2 is a v3 that used no buying power.
    { version: 3, schema: orderAcceptedV3Schema, upcast: (v2) => v2 },
  ]),
  fundedBidRefused: ordersMessages.define('orders.FundedBidRefused', 'event', [
    { version: 1, schema: fundedBidRefusedSchema },
  ]),
  tradeExecuted: ordersMessages.define('orders.TradeExecuted', 'event', [
    { version: 1, schema: tradeExecutedSchema },
    // v1 is a v2 without takerSide: a trade from before it was recorded, whose taker is unknown.
    { version: 2, schema: tradeExecutedV2Schema, upcast: (v1) => v1 },
    // v2 is a v3 whose bid had its own hold.
    { version: 3, schema: tradeExecutedV3Schema, upcast: (v2) => v2 },
  ]),
  orderCancelled: ordersMessages.define('orders.OrderCancelled', 'event', [
    { version: 1, schema: orderCancelledSchema },
    // v1 is a v2 whose order had its own hold (or none: an ask).
    { version: 2, schema: orderCancelledV2Schema, upcast: (v1) => v1 },
  ]),
  nodeSuspended: ordersMessages.define('orders.NodeSuspended', 'event', [
    { version: 1, schema: suspendNodeSchema },
  ]),
  leaseBreached: ordersMessages.define('orders.LeaseBreached', 'event', [
    { version: 1, schema: leaseBreachedSchema },
  ]),
  buyingPowerGranted: ordersMessages.define('orders.BuyingPowerGranted', 'event', [
    { version: 1, schema: buyingPowerGrantedSchema },
  ]),
  buyingPowerReturned: ordersMessages.define('orders.BuyingPowerReturned', 'event', [
    { version: 1, schema: buyingPowerReturnedSchema },
  ]),
  buyingPowerRefused: ordersMessages.define('orders.BuyingPowerRefused', 'event', [
    { version: 1, schema: buyingPowerRefusedSchema },
  ]),
  ...defineServiceMessages(ordersMessages, 'orders'),
};
