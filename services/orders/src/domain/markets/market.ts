import {
  BidAwaitingFunds,
  MarketSpec,
  MessageOf,
  NodeRecord,
  Order,
  OrdersCommands,
  OrdersEvents,
  SlaBreachReason,
} from '@gpux/contracts';
import { DecideContext, OwnEventName, ownEventTypes, typesOf } from '@gpux/eventsourcing/domain';
import { OrderBook, OrderBookSnapshot } from '../matching/order-book';

export type MarketCommand = MessageOf<(typeof OrdersCommands)[keyof typeof OrdersCommands]>;
type MarketEventName = OwnEventName<typeof OrdersEvents>;
export type MarketEvent = MessageOf<(typeof OrdersEvents)[MarketEventName]>;
/** One command of the market, by its type: what each command's function takes. */
export type MarketCommandOf<T extends MarketCommand['type']> = Extract<MarketCommand, { type: T }>;

export const MARKET_COMMANDS = typesOf(OrdersCommands);
export const MARKET_EVENTS = ownEventTypes(OrdersEvents);

/** One GPU-hour of a lease, in ms of the clock; shorter only in tests and demos (GPU_HOUR_MS). */
export const HOUR_MS = 3_600_000;

/**
 * How long, in ms of the clock, a node's ended lease stays in `MarketState.leases` (counted back
 * from the start of the node's latest trade, where evolve drops older ones). A suspension breaches
 * every lease that ran past the node's last heartbeat (`at`), which is up to capacity's
 * HEARTBEAT_TIMEOUT_MS (at most an hour, 20 s by default), its watchdog tick and any lag before
 * orders decides it: a lease that ended in that window, with a trade on the node since, must still
 * be there. Settlement charges a lease's last part only LEASE_CHARGE_DELAY_MS (at most an hour)
 * after its end and refuses to end a settled one early, so keeping it longer would not help. A
 * breach that reaches the market later than this ends no lease here: settlement's meter ends a
 * lease the breach stopped itself, LEASE_BREACH_GRACE_MS after the breach (unanswered-breach.ts).
 */
export const ENDED_LEASE_RETENTION_MS = 3_600_000;

/**
 * What a market's commands know besides the command and the state: the clock, its GPU-hour, and
 * the most bids one account may have resting in it (rules/resting-bids.ts).
 */
export interface MarketContext extends DecideContext {
  hourMs: number;
  maxRestingBids: number;
}

/**
 * A node as the market knows it: capacity's record, and why it is suspended while it is (an SLA
 * breach: lost, left, revoked, a failed spot check), until capacity records it certified again.
 */
export type MarketNode = NodeRecord & { suspended?: SlaBreachReason };

export interface MarketState {
  spec: MarketSpec | null;
  open: boolean;
  nodes: Record<string, MarketNode>;
  /** Bids whose escrow hold settlement has not answered yet, with the hold asked for. */
  awaitingFunds: Record<string, BidAwaitingFunds>;
  /** Bids cancelled while awaiting funds: a hold that arrives later is released at once. */
  cancelledAwaiting: Record<string, BidAwaitingFunds>;
  /** Orders with GPUs in the book. */
  orders: Record<string, Order>;
  /**
   * Leases per node (end time in ms, GPUs): what a node has sold and not yet delivered, and those
   * that ended within ENDED_LEASE_RETENTION_MS of its latest trade (a suspension may still breach
   * them). Readers filter on `end` for the running ones.
   */
  leases: Record<string, Array<{ end: number; gpus: number; tradeId?: string; buyerId?: string }>>;
  trades: number;
  book: OrderBook;
  /**
   * Buying power per account (docs/event-flows.md, "Buying power"): what settlement set aside for
   * the account's bids here and no bid of it uses now, minor units. Absent in a market snapshotted
   * before there was any; an account with none has no entry.
   */
  power?: Record<string, number>;
  /** The bids in the book funded by their account's buying power (what they release returns to it). */
  powerBids?: Record<string, true>;
}

/** A market no event has touched: a fresh book each time (evolve fills it in place). */
export function initialMarketState(): MarketState {
  return {
    spec: null,
    open: false,
    nodes: {},
    awaitingFunds: {},
    cancelledAwaiting: {},
    orders: {},
    leases: {},
    trades: 0,
    book: new OrderBook(),
    power: {},
    powerBids: {},
  };
}

/** The state as snapshotted (JSON) back into a live one. */
export function reviveMarket(json: unknown): MarketState {
  const s = json as Omit<MarketState, 'book'> & { book: OrderBookSnapshot };
  return { ...s, book: OrderBook.fromSnapshot(s.book) };
}

/** An order as the matching engine takes it. */
export const engineOrder = (o: Order) => ({
  id: o.orderId,
  side: o.side,
  owner: o.accountId,
  price: o.price,
  quantity: o.gpus,
  hours: o.hours,
  ...(o.nodeId ? { nodeId: o.nodeId } : {}),
  ...(o.minGpusPerNode ? { minGpusPerNode: o.minGpusPerNode } : {}),
  tif: o.timeInForce,
});
