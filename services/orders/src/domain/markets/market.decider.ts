import {
  BidAwaitingFunds,
  MessageOf,
  NodeRecord,
  Order,
  OrderCancelled,
  OrdersCommands,
  OrdersEvents,
  MarketSpec,
} from '@gpux/contracts';
import {
  accept,
  OwnEventName,
  ownEventTypes,
  typesOf,
  Decider,
  Decision,
  reject,
} from '@gpux/eventsourcing/domain';
import { Fill, OrderBook, OrderBookSnapshot, PlaceResult } from '../matching/order-book';

export type MarketCommand = MessageOf<(typeof OrdersCommands)[keyof typeof OrdersCommands]>;
type MarketEventName = OwnEventName<typeof OrdersEvents>;
export type MarketEvent = MessageOf<(typeof OrdersEvents)[MarketEventName]>;

export const MARKET_COMMANDS = typesOf(OrdersCommands);
export const MARKET_EVENTS = ownEventTypes(OrdersEvents);

export interface MarketState {
  spec: MarketSpec | null;
  open: boolean;
  nodes: Record<string, NodeRecord>;
  /** Bids whose escrow hold settlement has not answered yet, with the hold asked for. */
  awaitingFunds: Record<string, BidAwaitingFunds>;
  /** Bids cancelled while awaiting funds: a hold that arrives later is released at once. */
  cancelledAwaiting: Record<string, BidAwaitingFunds>;
  /** Orders with GPUs in the book. */
  orders: Record<string, Order>;
  /** Leases per node (end time in ms, GPUs): what a node has sold and not yet delivered. */
  leases: Record<string, Array<{ end: number; gpus: number; tradeId?: string; buyerId?: string }>>;
  trades: number;
  book: OrderBook;
}

/** One GPU-hour of a lease, in ms of the clock; shorter only in tests and demos (GPU_HOUR_MS). */
export const HOUR_MS = 3_600_000;

/** The platform's fee per GPU-hour at a price: linear in GPU-hours, so holds split exactly. */
export function feePerGpuHour(price: number, feeRateBps: number): number {
  return Math.ceil((price * feeRateBps) / 10_000);
}

/** What a bid must hold: every GPU-hour at its limit price, with the fee. */
export function holdFor(
  order: Pick<Order, 'gpus' | 'hours' | 'price'>,
  feeRateBps: number,
  gpus = order.gpus,
): number {
  return gpus * order.hours * (order.price + feePerGpuHour(order.price, feeRateBps));
}

function freeGpus(state: MarketState, nodeId: string, now: number): number {
  const node = state.nodes[nodeId];
  if (!node) return 0;
  const leased = (state.leases[nodeId] ?? []).filter((l) => l.end > now).reduce((s, l) => s + l.gpus, 0);
  const offered = Object.values(state.orders)
    .filter((o) => o.side === 'ask' && o.nodeId === nodeId)
    .reduce((s, o) => s + state.book.remaining(o.orderId), 0);
  return node.gpus - leased - offered;
}

const engineOrder = (o: Order) => ({
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

/** The events of an order entering the book: accepted, its trades, and what it will not trade. */
function enter(state: MarketState, order: Order, now: Date, hourMs: number): MarketEvent[] {
  const spec = state.spec!;
  const result: PlaceResult = state.book.preview(engineOrder(order));
  const limitOf = (orderId: string) => (orderId === order.orderId ? order : state.orders[orderId])!;
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
      },
    };
  });
  const events: MarketEvent[] = [{ type: 'orders.OrderAccepted', data: { order } }, ...trades];
  if (result.cancelled > 0) {
    events.push({
      type: 'orders.OrderCancelled',
      data: {
        marketId: spec.marketId,
        orderId: order.orderId,
        accountId: order.accountId,
        side: order.side,
        price: order.price,
        gpus: result.cancelled,
        reason: result.reason ?? 'CANCELLED',
        holdReleased: order.side === 'bid' ? holdFor(order, spec.feeRateBps, result.cancelled) : 0,
        // The order was accepted with all its GPUs: readers take the remainder out again.
        bookGpus: result.cancelled,
      },
    });
  }
  return events;
}

function placeOrder(state: MarketState, order: Order, now: Date, hourMs: number): Decision<MarketEvent> {
  const spec = state.spec;
  if (!spec) return reject('NOT_FOUND', `market ${order.marketId} does not exist`, 'marketId');
  if (!state.open) return reject('MARKET_CLOSED', `market ${order.marketId} is closed`, 'marketId');
  if (order.price % spec.tickSize !== 0)
    return reject('BAD_USER_INPUT', `price must be a multiple of the tick size ${spec.tickSize}`, 'price');
  if (state.orders[order.orderId] || state.awaitingFunds[order.orderId])
    return reject('ALREADY_EXISTS', `order ${order.orderId} already exists`, 'orderId');
  if (order.side === 'bid') {
    if (order.nodeId) return reject('BAD_USER_INPUT', 'a bid names no node', 'nodeId');
    if ((order.minGpusPerNode ?? 1) > order.gpus)
      return reject('BAD_USER_INPUT', 'minGpusPerNode cannot exceed gpus', 'minGpusPerNode');
    const holdAmount = holdFor(order, spec.feeRateBps);
    if (!Number.isSafeInteger(holdAmount))
      return reject('BAD_USER_INPUT', 'the order is too large to hold funds for', 'gpus');
    return accept({ type: 'orders.BidAwaitingFunds', data: { order, holdAmount } });
  }
  if (!order.nodeId) return reject('BAD_USER_INPUT', 'an ask must name the node it sells', 'nodeId');
  const node = state.nodes[order.nodeId];
  if (!node)
    return reject('NOT_FOUND', `node ${order.nodeId} is not registered in market ${spec.marketId}`, 'nodeId');
  if (node.providerId !== order.accountId)
    return reject('FORBIDDEN', `node ${order.nodeId} belongs to another provider`, 'nodeId');
  if (node.certifiedTflopsPerGpu === null || node.certifiedTflopsPerGpu < spec.minTflopsPerGpu) {
    return reject(
      'NODE_NOT_CERTIFIED',
      `node ${order.nodeId} is not certified for at least ${spec.minTflopsPerGpu} TFLOP/s per GPU`,
      'nodeId',
    );
  }
  if (node.certifiedUntil && Date.parse(node.certifiedUntil) <= now.getTime()) {
    return reject(
      'NODE_NOT_CERTIFIED',
      `the certification of node ${order.nodeId} expired at ${node.certifiedUntil}`,
      'nodeId',
    );
  }
  const free = freeGpus(state, order.nodeId, now.getTime());
  if (order.gpus > free)
    return reject('BAD_USER_INPUT', `node ${order.nodeId} has ${free} GPUs free to offer`, 'gpus');
  return accept(...enter(state, order, now, hourMs));
}

function cancelled(
  state: MarketState,
  order: Order,
  gpus: number,
  reason: OrderCancelled['reason'],
  holdReleased: number,
  inBook = true,
): MarketEvent {
  return {
    type: 'orders.OrderCancelled',
    data: {
      marketId: order.marketId,
      orderId: order.orderId,
      accountId: order.accountId,
      side: order.side,
      price: order.price,
      gpus,
      reason,
      holdReleased,
      bookGpus: inBook ? gpus : 0,
    },
  };
}

/**
 * A market (DESIGN.md §2): its nodes, its book, and the escrow handshake of its bids. A bid waits
 * for settlement's hold before it can trade; a trade creates a lease. Matching happens in decide
 * only; evolve applies what the log records (an accepted order enters the book, its trades fill
 * it and its makers, cancellations take out the rest), so a replay never depends on the engine.
 * Pure except that evolve updates the book and the order maps in place (a deep book is not copied
 * per event): the library evolves only events it has validated and is about to commit, and
 * discards a partition's state whenever a transaction or an evolve fails, so no half-applied
 * state survives.
 */
export function createMarketDecider(hourMs = HOUR_MS): Decider<MarketCommand, MarketEvent, MarketState> {
  return {
    initialState(): MarketState {
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
      };
    },

    decide(command, state, { now }) {
      switch (command.type) {
        case 'orders.OpenMarket':
          if (state.spec)
            return reject('ALREADY_EXISTS', `market ${command.data.marketId} already exists`, 'marketId');
          return accept({ type: 'orders.MarketOpened', data: command.data });

        case 'orders.CloseMarket': {
          if (!state.spec)
            return reject('NOT_FOUND', `market ${command.data.marketId} does not exist`, 'marketId');
          if (!state.open)
            return reject('MARKET_CLOSED', `market ${command.data.marketId} is already closed`, 'marketId');
          const spec = state.spec;
          const cancels = Object.values(state.orders).map((o) => {
            const gpus = state.book.remaining(o.orderId);
            return cancelled(
              state,
              o,
              gpus,
              'MARKET_CLOSED',
              o.side === 'bid' ? holdFor(o, spec.feeRateBps, gpus) : 0,
            );
          });
          return accept({ type: 'orders.MarketClosed', data: command.data }, ...cancels);
        }

        case 'orders.RecordNode':
          if (!state.spec)
            return reject('NOT_FOUND', `market ${command.data.marketId} does not exist`, 'marketId');
          return accept({ type: 'orders.NodeRecorded', data: command.data });

        case 'orders.PlaceOrder':
          return placeOrder(state, command.data, now, hourMs);

        case 'orders.CancelOrder': {
          const { orderId, accountId } = command.data;
          const order = state.orders[orderId] ?? state.awaitingFunds[orderId]?.order;
          if (!order || !state.spec) return reject('NOT_FOUND', `order ${orderId} is not open`, 'orderId');
          if (order.accountId !== accountId)
            return reject('FORBIDDEN', `order ${orderId} belongs to another account`, 'orderId');
          if (state.awaitingFunds[orderId])
            return accept(cancelled(state, order, order.gpus, 'CANCELLED', 0, false));
          const gpus = state.book.remaining(orderId);
          return accept(
            cancelled(
              state,
              order,
              gpus,
              'CANCELLED',
              order.side === 'bid' ? holdFor(order, state.spec.feeRateBps, gpus) : 0,
            ),
          );
        }

        case 'orders.ConfirmBidFunds': {
          const { orderId } = command.data;
          const late = state.cancelledAwaiting[orderId];
          const waiting = state.awaitingFunds[orderId];
          // Cancelled while its hold was being placed: release the hold at once.
          if (late)
            return accept(cancelled(state, late.order, late.order.gpus, 'CANCELLED', late.holdAmount, false));
          if (!waiting || !state.spec)
            return reject('NOT_FOUND', `bid ${orderId} is not awaiting funds`, 'orderId');
          if (!state.open)
            return accept(
              cancelled(state, waiting.order, waiting.order.gpus, 'MARKET_CLOSED', waiting.holdAmount, false),
            );
          return accept(...enter(state, waiting.order, now, hourMs));
        }

        case 'orders.SuspendNode': {
          const { nodeId, reason, at } = command.data;
          const node = state.nodes[nodeId];
          if (!state.spec || !node)
            return reject(
              'NOT_FOUND',
              `node ${nodeId} is not registered in market ${command.data.marketId}`,
              'nodeId',
            );
          const spec = state.spec;
          const asks = Object.values(state.orders)
            .filter((o) => o.side === 'ask' && o.nodeId === nodeId)
            .map((o) => cancelled(state, o, state.book.remaining(o.orderId), 'NODE_SUSPENDED', 0));
          const breached: MarketEvent[] = (state.leases[nodeId] ?? [])
            .filter((l) => l.end > now.getTime() && l.tradeId && l.buyerId)
            .map((l) => ({
              type: 'orders.LeaseBreached',
              data: { marketId: spec.marketId, leaseId: l.tradeId!, buyerId: l.buyerId!, nodeId, reason, at },
            }));
          return accept({ type: 'orders.NodeSuspended', data: command.data }, ...asks, ...breached);
        }

        case 'orders.RejectBidFunds': {
          const waiting = state.awaitingFunds[command.data.orderId];
          if (!waiting)
            return reject('NOT_FOUND', `bid ${command.data.orderId} is not awaiting funds`, 'orderId');
          return accept(cancelled(state, waiting.order, waiting.order.gpus, 'FUNDS_REJECTED', 0, false));
        }
      }
    },

    evolve(state, event) {
      switch (event.type) {
        case 'orders.MarketOpened':
          return { ...state, spec: event.data, open: true };
        case 'orders.MarketClosed':
          return { ...state, open: false };
        case 'orders.NodeRecorded':
          return { ...state, nodes: { ...state.nodes, [event.data.nodeId]: event.data } };
        case 'orders.BidAwaitingFunds':
          state.awaitingFunds[event.data.order.orderId] = event.data;
          return state;
        case 'orders.OrderAccepted': {
          // The order enters the book with all its GPUs; the trades recorded after it fill it, and
          // what it does not trade is cancelled. Nothing is matched here: the log says what traded.
          // In place, like the book: copying every resting order per event costs milliseconds
          // in a deep book (see the decider's comment on why in-place is safe).
          const { order } = event.data;
          delete state.awaitingFunds[order.orderId];
          state.book.rest(engineOrder(order));
          state.orders[order.orderId] = order;
          return state;
        }
        case 'orders.TradeExecuted': {
          const { bidId, askId, gpus } = event.data;
          for (const id of [bidId, askId]) {
            state.book.fill(id, gpus);
            if (!state.book.has(id)) delete state.orders[id];
          }
          const start = Date.parse(event.data.start);
          const current = (state.leases[event.data.nodeId] ?? []).filter((l) => l.end > start);
          const leases = {
            ...state.leases,
            [event.data.nodeId]: [
              ...current,
              {
                end: Date.parse(event.data.end),
                gpus: event.data.gpus,
                tradeId: event.data.tradeId,
                buyerId: event.data.buyerId,
              },
            ],
          };
          return { ...state, leases, trades: state.trades + 1 };
        }
        case 'orders.NodeSuspended': {
          // Uncertified until capacity records a new certification: asks on it are refused.
          const node = state.nodes[event.data.nodeId];
          if (!node) return state;
          return {
            ...state,
            nodes: { ...state.nodes, [node.nodeId]: { ...node, certifiedTflopsPerGpu: null } },
          };
        }
        case 'orders.LeaseBreached': {
          // The breached lease no longer occupies the node's GPUs.
          const leases = (state.leases[event.data.nodeId] ?? []).filter(
            (l) => l.tradeId !== event.data.leaseId,
          );
          return { ...state, leases: { ...state.leases, [event.data.nodeId]: leases } };
        }
        case 'orders.OrderCancelled': {
          const { orderId } = event.data;
          state.book.cancel(orderId);
          delete state.orders[orderId];
          const waiting = state.awaitingFunds[orderId];
          delete state.awaitingFunds[orderId];
          delete state.cancelledAwaiting[orderId];
          // A bid cancelled while awaiting funds may still get its hold: remember to release it.
          if (waiting && event.data.reason === 'CANCELLED') state.cancelledAwaiting[orderId] = waiting;
          return state;
        }
      }
    },
  };
}

export const marketDecider = createMarketDecider();

/** The state as snapshotted (JSON) back into a live one. */
export function reviveMarket(json: unknown): MarketState {
  const s = json as Omit<MarketState, 'book'> & { book: OrderBookSnapshot };
  return { ...s, book: OrderBook.fromSnapshot(s.book) };
}
