import fc from 'fast-check';
import {
  type Envelope,
  type MarketSpec,
  type NodeRecord,
  type Order,
  type OrderCancelled,
  ordersMessages,
  type RejectionCode,
  ordersReadModel as rm,
} from '@gpux/contracts';
import { applyOps, type Model } from '@gpux/eventsourcing/domain';
import { orderView } from '@gpux/read-models';
import { ordersProjection } from '../orders/orders.projection';
import {
  createMarketDecider,
  type MarketCommand,
  type MarketEvent,
  type MarketState,
} from './market.decider';
import { reviveMarket } from './market';

/*
 * The market decider against a reference model of what the docs and the API promise
 * (docs/event-flows.md, the gateway's placeOrder, cancelOrder and PlaceOrderInput descriptions):
 * price–time priority among the orders that can trade, a trade at the resting order's price for
 * the bid's hours, partial fills, a bid's minGpusPerNode, self-trade prevention (cancel newest),
 * IOC and FOK, the escrow of a bid (its worst case held, released by its trades and cancels to the
 * minor unit), the free GPUs of a node, its certification, suspension and the market's close.
 *
 * The model is written apart from the engine, the plainest way: a list of resting orders sorted
 * on every match, a fill size found by trying every size. Random command streams run through the
 * real decider (its events evolved into its state and folded by the orders projection) and the
 * model; every decision, the book, every order's status and the money held must agree. Seeded: a
 * failure prints the seed and the shrunk stream (set MARKET_REFERENCE_SEED to replay another seed).
 */

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
/** A short GPU-hour, so that leases end and certificates expire within a stream. */
const HOUR_MS = 1_000;
/** Few resting bids per account, so that the resting-bids rule is reached. */
const MAX_RESTING_BIDS = 3;
const MAX_GPUS = 100_000;
const MAX_HOURS = 24 * 366;
const MARKET = 'M';

const decider = createMarketDecider(HOUR_MS, MAX_RESTING_BIDS);
const projection = ordersProjection('orders.events');

/** The fee of one GPU-hour: feeRateBps of the price, rounded up to a whole minor unit (exact). */
const feeOf = (price: number, bps: number) => Number((BigInt(price) * BigInt(bps) + 9_999n) / 10_000n);
/** A bid's worst case for `gpus` of it: every GPU-hour at its limit, with the fee. */
const holdOf = (o: Order, bps: number, gpus = o.gpus) => gpus * o.hours * (o.price + feeOf(o.price, bps));

/** The most GPUs one fill may take: at least `min`, never leaving the bid fewer than `min`. */
function bestFill(bid: Order, bidLeft: number, ask: Order, askLeft: number): number {
  if (ask.hours < bid.hours) return 0;
  const min = bid.minGpusPerNode ?? 1;
  for (let size = Math.min(bidLeft, askLeft); size >= min; size--)
    if (bidLeft - size === 0 || bidLeft - size >= min) return size;
  return 0;
}

interface Resting {
  order: Order;
  left: number;
  seq: number;
}
interface Lease {
  tradeId: string;
  nodeId: string;
  buyerId: string;
  gpus: number;
  end: number;
}
type Outcome =
  { kind: 'accepted'; events: MarketEvent[] } | { kind: 'rejected'; code: RejectionCode; field?: string };

type Reason = OrderCancelled['reason'];

const cancelled = (
  o: Order,
  gpus: number,
  reason: Reason,
  holdReleased: number,
  inBook = true,
): MarketEvent => ({
  type: 'orders.OrderCancelled',
  data: {
    marketId: o.marketId,
    orderId: o.orderId,
    accountId: o.accountId,
    side: o.side,
    price: o.price,
    gpus,
    reason,
    holdReleased,
    bookGpus: inBook ? gpus : 0,
  },
});

/** The promised semantics, independent of the engine. Each command returns the expected outcome and applies it. */
class ReferenceMarket {
  spec: MarketSpec | null = null;
  open = false;
  nodes = new Map<string, NodeRecord & { suspended?: boolean }>();
  book: Resting[] = [];
  awaiting = new Map<string, { order: Order; hold: number }>();
  lateCancelled = new Map<string, { order: Order; hold: number }>();
  leases: Lease[] = [];
  trades = 0;
  seq = 0;
  /** Every order that ever existed: its GPUs filled and cancelled, and whether it was accepted. */
  orders = new Map<string, { order: Order; filled: number; cancelled: number; accepted: boolean }>();

  private reject(code: RejectionCode, field?: string): Outcome {
    return field ? { kind: 'rejected', code, field } : { kind: 'rejected', code };
  }

  openMarket(spec: MarketSpec): Outcome {
    if (this.spec) return this.reject('ALREADY_EXISTS', 'marketId');
    this.spec = spec;
    this.open = true;
    return { kind: 'accepted', events: [{ type: 'orders.MarketOpened', data: spec }] };
  }

  maySell(nodeId: string, now: number): boolean {
    const n = this.nodes.get(nodeId);
    if (!n || n.certifiedTflopsPerGpu === null || n.certifiedTflopsPerGpu < this.spec!.minTflopsPerGpu)
      return false;
    return !n.certifiedUntil || Date.parse(n.certifiedUntil) > now;
  }

  restingBidsOf(accountId: string): number {
    return this.book.filter((r) => r.order.side === 'bid' && r.order.accountId === accountId).length;
  }

  private refusal(order: Order): [RejectionCode, string] | undefined {
    if (!this.spec) return ['NOT_FOUND', 'marketId'];
    if (!this.open) return ['MARKET_CLOSED', 'marketId'];
    if (order.price % this.spec.tickSize !== 0) return ['BAD_USER_INPUT', 'price'];
    if (this.book.some((r) => r.order.orderId === order.orderId) || this.awaiting.has(order.orderId))
      return ['ALREADY_EXISTS', 'orderId'];
    if (order.side === 'bid') {
      if (order.nodeId) return ['BAD_USER_INPUT', 'nodeId'];
      if ((order.minGpusPerNode ?? 1) > order.gpus) return ['BAD_USER_INPUT', 'minGpusPerNode'];
      if (!Number.isSafeInteger(order.price + feeOf(order.price, this.spec.feeRateBps)))
        return ['BAD_USER_INPUT', 'price'];
      if (!Number.isSafeInteger(holdOf(order, this.spec.feeRateBps))) return ['BAD_USER_INPUT', 'gpus'];
      if (order.timeInForce === 'GTC' && this.restingBidsOf(order.accountId) >= MAX_RESTING_BIDS)
        return ['TOO_MANY_OPEN_ORDERS', 'marketId'];
    } else if (order.minGpusPerNode !== undefined) return ['BAD_USER_INPUT', 'minGpusPerNode'];
    return undefined;
  }

  place(order: Order, now: number, heldAmount?: number): Outcome {
    if (heldAmount !== undefined) {
      const refused = (code: RejectionCode, field: string): Outcome => ({
        kind: 'accepted',
        events: [
          {
            type: 'orders.FundedBidRefused',
            data: { order, heldAmount, code, message: '…', field },
          },
        ],
      });
      if (order.side !== 'bid') return refused('BAD_USER_INPUT', 'side');
      const why = this.refusal(order);
      if (why) return refused(...why);
      const needed = holdOf(order, this.spec!.feeRateBps);
      if (heldAmount < needed) return refused('BAD_USER_INPUT', 'marketId');
      return {
        kind: 'accepted',
        events: this.enter(order, now, { heldAmount, holdReleased: heldAmount - needed }),
      };
    }
    const why = this.refusal(order);
    if (why) return this.reject(...why);
    if (order.side === 'bid') {
      const hold = holdOf(order, this.spec!.feeRateBps);
      this.awaiting.set(order.orderId, { order, hold });
      this.orders.set(order.orderId, { order, filled: 0, cancelled: 0, accepted: false });
      return {
        kind: 'accepted',
        events: [{ type: 'orders.BidAwaitingFunds', data: { order, holdAmount: hold } }],
      };
    }
    if (!order.nodeId) return this.reject('BAD_USER_INPUT', 'nodeId');
    const node = this.nodes.get(order.nodeId);
    if (!node) return this.reject('NOT_FOUND', 'nodeId');
    if (node.providerId !== order.accountId) return this.reject('FORBIDDEN', 'nodeId');
    if (!this.maySell(order.nodeId, now)) return this.reject('NODE_NOT_CERTIFIED', 'nodeId');
    const leased = this.leases.filter((l) => l.nodeId === order.nodeId && l.end > now);
    const offered = this.book.filter((r) => r.order.nodeId === order.nodeId && r.order.side === 'ask');
    const free =
      node.gpus - [...leased, ...offered.map((r) => ({ gpus: r.left }))].reduce((s, x) => s + x.gpus, 0);
    if (order.gpus > free) return this.reject('BAD_USER_INPUT', 'gpus');
    return { kind: 'accepted', events: this.enter(order, now) };
  }

  /** The orders an incoming one may meet, best price first, then oldest. */
  private opposite(taker: Order): Resting[] {
    const bid = taker.side === 'bid';
    return this.book
      .filter(
        (r) =>
          r.order.side !== taker.side && (bid ? r.order.price <= taker.price : r.order.price >= taker.price),
      )
      .sort((a, b) => (bid ? a.order.price - b.order.price : b.order.price - a.order.price) || a.seq - b.seq);
  }

  /** The walk of an incoming order: its fills, whether it stopped at its own, what it left, the asks it found barred. */
  private walk(taker: Order, now: number) {
    const fills: Array<{ maker: Resting; gpus: number }> = [];
    const barred: Resting[] = [];
    let left = taker.gpus;
    let selfTrade = false;
    for (const maker of this.opposite(taker)) {
      if (left === 0) break;
      if (maker.order.side === 'ask' && !this.maySell(maker.order.nodeId!, now)) {
        barred.push(maker);
        continue;
      }
      const size =
        taker.side === 'bid'
          ? bestFill(taker, left, maker.order, maker.left)
          : bestFill(maker.order, maker.left, taker, left);
      if (size === 0) continue;
      if (maker.order.accountId === taker.accountId) {
        selfTrade = true;
        break;
      }
      fills.push({ maker, gpus: size });
      left -= size;
    }
    return { fills, selfTrade, left, barred };
  }

  private enter(
    order: Order,
    now: number,
    funded?: { heldAmount: number; holdReleased: number },
  ): MarketEvent[] {
    const spec = this.spec!;
    const record = this.orders.get(order.orderId) ?? { order, filled: 0, cancelled: 0, accepted: false };
    record.accepted = true;
    this.orders.set(order.orderId, record);
    this.awaiting.delete(order.orderId);
    const events: MarketEvent[] = [
      { type: 'orders.OrderAccepted', data: funded ? { order, ...funded } : { order } },
    ];
    let walk = this.walk(order, now);
    if (order.timeInForce === 'FOK' && walk.left > 0)
      walk = { fills: [], selfTrade: false, left: order.gpus, barred: walk.barred };
    for (const { maker, gpus } of walk.fills) {
      const [bid, ask] = order.side === 'bid' ? [order, maker.order] : [maker.order, order];
      const price = maker.order.price;
      const value = gpus * bid.hours * price;
      const fee = gpus * bid.hours * feeOf(price, spec.feeRateBps);
      const tradeId = `${spec.marketId}-t${++this.trades}`;
      events.push({
        type: 'orders.TradeExecuted',
        data: {
          marketId: spec.marketId,
          tradeId,
          bidId: bid.orderId,
          askId: ask.orderId,
          buyerId: bid.accountId,
          providerId: ask.accountId,
          nodeId: ask.nodeId!,
          price,
          bidPrice: bid.price,
          askPrice: ask.price,
          gpus,
          hours: bid.hours,
          start: new Date(now).toISOString(),
          end: new Date(now + bid.hours * HOUR_MS).toISOString(),
          value,
          fee,
          holdReleased: holdOf(bid, spec.feeRateBps, gpus) - value - fee,
          // The taker is the side the resting order (the maker) is not.
          takerSide: maker.order.side === 'bid' ? 'ask' : 'bid',
        },
      });
      maker.left -= gpus;
      this.orders.get(maker.order.orderId)!.filled += gpus;
      record.filled += gpus;
      this.leases.push({
        tradeId,
        nodeId: ask.nodeId!,
        buyerId: bid.accountId,
        gpus,
        end: now + bid.hours * HOUR_MS,
      });
    }
    for (const ask of walk.barred) {
      events.push(cancelled(ask.order, ask.left, 'CERTIFICATION_LAPSED', 0));
      this.orders.get(ask.order.orderId)!.cancelled += ask.left;
      ask.left = 0;
    }
    this.book = this.book.filter((r) => r.left > 0);
    if (walk.left > 0) {
      const reason =
        order.timeInForce === 'FOK'
          ? 'FOK_UNFILLABLE'
          : walk.selfTrade
            ? 'SELF_TRADE'
            : order.timeInForce !== 'GTC'
              ? 'IOC_REMAINDER'
              : undefined;
      if (reason) {
        const hold = order.side === 'bid' ? holdOf(order, spec.feeRateBps, walk.left) : 0;
        events.push(cancelled(order, walk.left, reason, hold));
        record.cancelled += walk.left;
      } else this.book.push({ order, left: walk.left, seq: ++this.seq });
    }
    return events;
  }

  cancel(orderId: string, accountId: string): Outcome {
    const resting = this.book.find((r) => r.order.orderId === orderId);
    const waiting = this.awaiting.get(orderId);
    const order = resting?.order ?? waiting?.order;
    if (!order || !this.spec) return this.reject('NOT_FOUND', 'orderId');
    if (order.accountId !== accountId) return this.reject('FORBIDDEN', 'orderId');
    const record = this.orders.get(orderId)!;
    if (waiting) {
      this.awaiting.delete(orderId);
      this.lateCancelled.set(orderId, waiting);
      record.cancelled = order.gpus;
      return { kind: 'accepted', events: [cancelled(order, order.gpus, 'CANCELLED', 0, false)] };
    }
    const gpus = resting!.left;
    this.book = this.book.filter((r) => r !== resting);
    record.cancelled += gpus;
    const hold = order.side === 'bid' ? holdOf(order, this.spec.feeRateBps, gpus) : 0;
    return { kind: 'accepted', events: [cancelled(order, gpus, 'CANCELLED', hold)] };
  }

  confirm(orderId: string, now: number): Outcome {
    const late = this.lateCancelled.get(orderId);
    if (late) {
      this.lateCancelled.delete(orderId);
      return {
        kind: 'accepted',
        events: [cancelled(late.order, late.order.gpus, 'CANCELLED', late.hold, false)],
      };
    }
    const waiting = this.awaiting.get(orderId);
    if (!waiting || !this.spec) return this.reject('NOT_FOUND', 'orderId');
    const { order, hold } = waiting;
    const refuse = (reason: Reason): Outcome => {
      this.awaiting.delete(orderId);
      this.orders.get(orderId)!.cancelled = order.gpus;
      return { kind: 'accepted', events: [cancelled(order, order.gpus, reason, hold, false)] };
    };
    if (!this.open) return refuse('MARKET_CLOSED');
    if (order.timeInForce === 'GTC' && this.restingBidsOf(order.accountId) >= MAX_RESTING_BIDS)
      return refuse('TOO_MANY_OPEN_ORDERS');
    return { kind: 'accepted', events: this.enter(order, now) };
  }

  rejectFunds(orderId: string): Outcome {
    const waiting = this.awaiting.get(orderId);
    if (!waiting) return this.reject('NOT_FOUND', 'orderId');
    this.awaiting.delete(orderId);
    this.orders.get(orderId)!.cancelled = waiting.order.gpus;
    return {
      kind: 'accepted',
      events: [cancelled(waiting.order, waiting.order.gpus, 'FUNDS_REJECTED', 0, false)],
    };
  }

  /** Takes a node's resting asks out, oldest first. */
  private cancelAsksOf(nodeId: string, reason: Reason): MarketEvent[] {
    const asks = this.book
      .filter((r) => r.order.side === 'ask' && r.order.nodeId === nodeId)
      .sort((a, b) => a.seq - b.seq);
    this.book = this.book.filter((r) => !asks.includes(r));
    return asks.map((r) => {
      this.orders.get(r.order.orderId)!.cancelled += r.left;
      return cancelled(r.order, r.left, reason, 0);
    });
  }

  record(node: NodeRecord, now: number): Outcome {
    if (!this.spec) return this.reject('NOT_FOUND', 'marketId');
    this.nodes.set(node.nodeId, node);
    const lapsed = this.maySell(node.nodeId, now)
      ? []
      : this.cancelAsksOf(node.nodeId, 'CERTIFICATION_LAPSED');
    return { kind: 'accepted', events: [{ type: 'orders.NodeRecorded', data: node }, ...lapsed] };
  }

  suspend(nodeId: string, at: number): Outcome {
    const node = this.nodes.get(nodeId);
    if (!this.spec || !node) return this.reject('NOT_FOUND', 'nodeId');
    const data = {
      marketId: this.spec.marketId,
      nodeId,
      reason: 'NODE_LOST' as const,
      at: new Date(at).toISOString(),
    };
    this.nodes.set(nodeId, { ...node, certifiedTflopsPerGpu: null, suspended: true });
    const asks = this.cancelAsksOf(nodeId, 'NODE_SUSPENDED');
    const breached = this.leases.filter((l) => l.nodeId === nodeId && l.end > at);
    this.leases = this.leases.filter((l) => !breached.includes(l));
    return {
      kind: 'accepted',
      events: [
        { type: 'orders.NodeSuspended', data },
        ...asks,
        ...breached.map((l): MarketEvent => ({
          type: 'orders.LeaseBreached',
          data: { ...data, leaseId: l.tradeId, buyerId: l.buyerId },
        })),
      ],
    };
  }

  close(): Outcome {
    if (!this.spec) return this.reject('NOT_FOUND', 'marketId');
    if (!this.open) return this.reject('MARKET_CLOSED', 'marketId');
    this.open = false;
    const all = [...this.book].sort((a, b) => a.seq - b.seq);
    this.book = [];
    return {
      kind: 'accepted',
      events: [
        { type: 'orders.MarketClosed', data: { marketId: this.spec.marketId } },
        ...all.map((r) => {
          this.orders.get(r.order.orderId)!.cancelled += r.left;
          const hold = r.order.side === 'bid' ? holdOf(r.order, this.spec!.feeRateBps, r.left) : 0;
          return cancelled(r.order, r.left, 'MARKET_CLOSED', hold);
        }),
      ],
    };
  }

  /** An order's status as the API promises it (OrderStatus). */
  status(orderId: string): string | undefined {
    const o = this.orders.get(orderId);
    if (!o) return undefined;
    if (this.awaiting.has(orderId)) return 'PENDING_FUNDS';
    if (this.book.some((r) => r.order.orderId === orderId)) return o.filled > 0 ? 'PARTIALLY_FILLED' : 'OPEN';
    return o.filled === o.order.gpus ? 'FILLED' : 'CANCELLED';
  }
}

// ---------------------------------------------------------------------------------------------
// The streams: a market, its nodes, and random commands with their edge values.

/** Nodes: two providers', one of a buyer's (so that an account meets itself), one of the most GPUs a node has. */
const NODES: Array<{ nodeId: string; providerId: string; gpus: number }> = [
  { nodeId: 'n1', providerId: 'prov-1', gpus: 16 },
  { nodeId: 'n2', providerId: 'prov-2', gpus: 8 },
  { nodeId: 'n3', providerId: 'buyer-1', gpus: 4 },
  { nodeId: 'n4', providerId: 'prov-2', gpus: 1_024 },
];
const BIDDERS = ['buyer-1', 'buyer-2', 'prov-1'];
const TIFS = ['GTC', 'GTC', 'GTC', 'IOC', 'FOK'] as const;
/** Asks mostly rest: a provider offers its node. */
const askTif = fc.oneof(
  { weight: 6, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constantFrom(3, 4) },
);

type Price = { ticks: number } | 'min' | 'max' | 'offTick';
type Op =
  | {
      kind: 'ask';
      node: number;
      wrongOwner: boolean;
      price: Price;
      gpus: number | 'all';
      hours: number;
      tif: number;
      withMin: boolean;
    }
  | {
      kind: 'bid';
      who: number;
      price: Price;
      gpus: number;
      hours: number;
      min: number | undefined;
      tif: number;
      funding: 'handshake' | 'exact' | 'surplus' | 'short';
      withNode: boolean;
      clientOrderId: boolean;
    }
  | { kind: 'confirm' | 'rejectFunds'; pick: number }
  | { kind: 'cancel'; pick: number; by: 'owner' | 'other' }
  | { kind: 'duplicate'; pick: number }
  | { kind: 'tick'; hours: number }
  | { kind: 'record'; node: number; cert: 'ok' | 'below' | 'none' | 'expiring' }
  | { kind: 'suspend'; node: number; back: number };

/** Prices in ticks around 200, bids a little higher than asks (so that most cross), and the edges. */
const priceArb = (from: number): fc.Arbitrary<Price> =>
  fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: from, max: from + 6 }).map((ticks) => ({ ticks })) },
    { weight: 1, arbitrary: fc.constantFrom<Price>('min', 'max', 'offTick') },
  );
const hoursArb = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 4 }) },
  { weight: 1, arbitrary: fc.constant(MAX_HOURS) },
);

const rarely = <T>(value: T, otherwise: T, weight = 20) =>
  fc.oneof({ weight, arbitrary: fc.constant(otherwise) }, { weight: 1, arbitrary: fc.constant(value) });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 16,
    arbitrary: fc.record({
      kind: fc.constant('ask' as const),
      node: fc.nat(NODES.length - 1),
      wrongOwner: rarely(true, false),
      price: priceArb(196),
      gpus: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) },
        { weight: 1, arbitrary: fc.constant('all' as const) },
      ),
      // Asks offer a little longer than bids want, mostly: both trade and rest.
      hours: hoursArb.map((h) => (h === MAX_HOURS ? h : h + 1)),
      tif: askTif,
      withMin: rarely(true, false),
    }),
  },
  {
    weight: 16,
    arbitrary: fc.record({
      kind: fc.constant('bid' as const),
      who: fc.nat(BIDDERS.length - 1),
      price: priceArb(199),
      gpus: fc.oneof(
        { weight: 10, arbitrary: fc.integer({ min: 1, max: 6 }) },
        { weight: 1, arbitrary: fc.constant(MAX_GPUS) },
      ),
      hours: hoursArb,
      min: fc.oneof(
        { weight: 2, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) },
      ),
      tif: fc.nat(TIFS.length - 1),
      funding: fc.constantFrom(
        'handshake' as const,
        'exact' as const,
        'exact' as const,
        'surplus' as const,
        'short' as const,
      ),
      withNode: rarely(true, false, 30),
      clientOrderId: fc.boolean(),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom('confirm' as const, 'rejectFunds' as const),
      pick: fc.nat(60),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('cancel' as const),
      pick: fc.nat(60),
      by: fc.constantFrom('owner' as const, 'owner' as const, 'other' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat(60) }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), hours: fc.integer({ min: 0, max: 5 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('record' as const),
      node: fc.nat(NODES.length - 1),
      cert: fc.constantFrom(
        'ok' as const,
        'ok' as const,
        'below' as const,
        'none' as const,
        'expiring' as const,
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('suspend' as const),
      node: fc.nat(NODES.length - 1),
      back: fc.integer({ min: 0, max: 3 }),
    }),
  },
);

const specArb = fc.record({
  tickSize: fc.constantFrom(1, 10_000),
  feeRateBps: fc.constantFrom(0, 1, 250, 10_000),
});

/** A stream: a market's spec, its commands, and whether it closes (in the middle: commands after it meet a closed market). */
interface Stream {
  spec: { tickSize: number; feeRateBps: number };
  ops: Op[];
  close: 'never' | 'middle' | 'end';
}
const streamArb: fc.Arbitrary<Stream> = fc.record({
  spec: specArb,
  ops: fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }),
  close: fc.constantFrom('never' as const, 'never' as const, 'middle' as const, 'end' as const),
});

// ---------------------------------------------------------------------------------------------
// The run: each command decided by the real decider and by the model, then compared.

/** A decision as compared: a rejection's code and field; the events, a refusal's message aside. */
function comparable(decision: ReturnType<typeof decider.decide> | Outcome): unknown {
  if (decision.kind === 'rejected')
    return decision.field ? { rejected: decision.code, field: decision.field } : { rejected: decision.code };
  return decision.events.map((e) =>
    e.type === 'orders.FundedBidRefused' ? { ...e, data: { ...e.data, message: '…' } } : e,
  );
}

/** `expect(actual).toEqual(expected)`, paid for only when they differ (it runs ten thousand times). */
function same(actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual).toEqual(expected);
}

function runStream({ spec: { tickSize, feeRateBps }, ops, close }: Stream): void {
  const spec: MarketSpec = {
    marketId: MARKET,
    gpuClass: 'H100-80GB',
    minTflopsPerGpu: 300,
    tickSize,
    feeRateBps,
  };
  const ref = new ReferenceMarket();
  const model: Model = new Map();
  let state: MarketState = decider.initialState();
  let now = T0;
  let envelopes = 0;
  /** Every order id placed, in order; bids placed on the older handshake apart. */
  const ids: string[] = [];
  const handshakeBids: string[] = [];
  /** Escrow as settlement would keep it for each bid, from the events alone. */
  const held = new Map<string, number>();
  const toHold = new Map<string, number>();

  const priceOf = (p: Price) =>
    p === 'min'
      ? tickSize
      : p === 'max'
        ? Math.floor(Number.MAX_SAFE_INTEGER / tickSize) * tickSize
        : p === 'offTick'
          ? 200 * tickSize + (tickSize > 1 ? 1 : 0)
          : p.ticks * (tickSize === 1 ? 1 : tickSize);
  const record = (i: number, cert: 'ok' | 'below' | 'none' | 'expiring'): NodeRecord => ({
    marketId: MARKET,
    ...NODES[i]!,
    certifiedTflopsPerGpu: cert === 'none' ? null : cert === 'below' ? 299 : 350,
    ...(cert === 'expiring' ? { certifiedUntil: new Date(now + 6 * HOUR_MS).toISOString() } : {}),
  });

  const step = (command: MarketCommand, expected: Outcome) => {
    const decision = decider.decide(command, state, { now: new Date(now) });
    same({ command, decision: comparable(decision) }, { command, decision: comparable(expected) });
    if (decision.kind !== 'accepted') return;
    if (command.type === 'orders.ConfirmBidFunds' && toHold.has(command.data.orderId)) {
      // Settlement held the bid's funds before it confirmed them.
      held.set(command.data.orderId, toHold.get(command.data.orderId)!);
      toHold.delete(command.data.orderId);
    }
    for (const event of decision.events) {
      // Every event is one its schema takes: whole, non-negative minor units and GPUs.
      ordersMessages.currentData(event.type, event.data);
      state = decider.evolve(state, event);
      const envelope: Envelope = {
        id: `e${++envelopes}`,
        type: event.type,
        source: 'orders',
        subject: MARKET,
        time: new Date(now).toISOString(),
        schemaVersion: 1,
        correlationId: 'c',
        causationId: `c${envelopes}`,
        data: event.data,
      };
      applyOps(model, projection.apply(envelope));
      const release = (orderId: string, amount: number) => held.set(orderId, held.get(orderId)! - amount);
      switch (event.type) {
        case 'orders.BidAwaitingFunds':
          toHold.set(event.data.order.orderId, event.data.holdAmount);
          break;
        case 'orders.OrderAccepted':
          if (event.data.heldAmount !== undefined)
            held.set(event.data.order.orderId, event.data.heldAmount - event.data.holdReleased!);
          break;
        case 'orders.TradeExecuted': {
          const t = event.data;
          if (t.buyerId === t.providerId) expect(t).toBe('a trade between two accounts');
          same([t.tradeId, t.price], [t.tradeId, Math.max(t.askPrice, Math.min(t.price, t.bidPrice))]);
          release(t.bidId, t.value + t.fee + t.holdReleased);
          break;
        }
        case 'orders.OrderCancelled':
          if (event.data.side === 'bid' && held.has(event.data.orderId))
            release(event.data.orderId, event.data.holdReleased);
          else same([event.data.orderId, event.data.holdReleased], [event.data.orderId, 0]);
          break;
      }
    }
    checkAgainstModel();
  };

  const checkAgainstModel = () => {
    // The book: the same orders, GPUs and priority; the same depth.
    const real = [...state.book.orders()].sort((a, b) => a.seq - b.seq).map((o) => [o.id, o.remaining]);
    const expected = [...ref.book].sort((a, b) => a.seq - b.seq).map((r) => [r.order.orderId, r.left]);
    same(real, expected);
    const depth = (side: 'bid' | 'ask') => {
      const levels = new Map<number, { price: number; quantity: number; orders: number }>();
      for (const r of ref.book.filter((o) => o.order.side === side)) {
        const l = levels.get(r.order.price) ?? { price: r.order.price, quantity: 0, orders: 0 };
        l.quantity += r.left;
        l.orders += 1;
        levels.set(r.order.price, l);
      }
      return [...levels.values()].sort((a, b) => (side === 'bid' ? b.price - a.price : a.price - b.price));
    };
    same(state.book.depth(1_000), { bids: depth('bid'), asks: depth('ask') });
    same(Object.keys(state.orders).sort(), ref.book.map((r) => r.order.orderId).sort());
    same(Object.keys(state.awaitingFunds).sort(), [...ref.awaiting.keys()].sort());

    // Every order's status and GPUs left, as the API reads them.
    for (const [orderId, o] of ref.orders) {
      const hash = Object.fromEntries(
        (model.get(rm.order(orderId)) as Map<string, string> | undefined) ?? [],
      );
      const view = orderView(orderId, hash);
      const left = ref.book.find((r) => r.order.orderId === orderId)?.left ?? 0;
      const pending = ref.awaiting.has(orderId) ? o.order.gpus : 0;
      same(
        [orderId, view?.status, view?.filled, view?.remaining],
        [orderId, ref.status(orderId), o.filled, left + pending],
      );
      same([orderId, o.filled + o.cancelled + left + pending], [orderId, o.order.gpus]);
    }

    // Escrow: each funded bid holds exactly the worst case of what it has resting, never less.
    for (const [orderId, amount] of held) {
      const order = ref.orders.get(orderId)!.order;
      same([orderId, amount], [orderId, holdOf(order, feeRateBps, state.book.remaining(orderId))]);
    }

    // No resting bid and ask (of any accounts) that could trade: the book is never crossed for them.
    const resting = state.book.orders();
    for (const bid of resting.filter((o) => o.side === 'bid'))
      for (const ask of resting.filter((o) => o.side === 'ask' && o.price <= bid.price)) {
        if (!ref.maySell(ask.nodeId, now)) continue;
        const size = bestFill(state.orders[bid.id]!, bid.remaining, state.orders[ask.id]!, ask.remaining);
        same({ bid: bid.id, ask: ask.id, size }, { bid: bid.id, ask: ask.id, size: 0 });
      }
  };

  step({ type: 'orders.OpenMarket', data: spec }, ref.openMarket(spec));
  NODES.forEach((_, i) => {
    const node = record(i, i === 0 ? 'expiring' : 'ok');
    step({ type: 'orders.RecordNode', data: node }, ref.record(node, now));
  });

  const closeMarket = () => step({ type: 'orders.CloseMarket', data: { marketId: MARKET } }, ref.close());
  ops.forEach((op, i) => {
    if (close === 'middle' && i === Math.floor(ops.length / 2)) closeMarket();
    const orderId = `o${i}`;
    const tif = TIFS[(op as { tif?: number }).tif ?? 0]!;
    switch (op.kind) {
      case 'ask': {
        const node = NODES[op.node]!;
        const order: Order = {
          marketId: MARKET,
          orderId,
          side: 'ask',
          accountId: op.wrongOwner ? 'prov-9' : node.providerId,
          price: priceOf(op.price),
          gpus: op.gpus === 'all' ? node.gpus : op.gpus,
          hours: op.hours,
          nodeId: node.nodeId,
          ...(op.withMin ? { minGpusPerNode: 1 } : {}),
          timeInForce: tif,
        };
        ids.push(orderId);
        return step({ type: 'orders.PlaceOrder', data: order }, ref.place(order, now));
      }
      case 'bid': {
        const order: Order = {
          marketId: MARKET,
          orderId,
          side: 'bid',
          accountId: BIDDERS[op.who]!,
          price: priceOf(op.price),
          gpus: op.gpus,
          hours: op.hours,
          ...(op.withNode ? { nodeId: 'n1' } : {}),
          ...(op.min !== undefined ? { minGpusPerNode: op.min } : {}),
          timeInForce: tif,
          ...(op.clientOrderId ? { clientOrderId: `client-${i}` } : {}),
        };
        ids.push(orderId);
        if (op.funding === 'handshake') {
          handshakeBids.push(orderId);
          return step({ type: 'orders.PlaceOrder', data: order }, ref.place(order, now));
        }
        // What the gateway held: the worst case at the market's fee (not countable: a small amount).
        const worst = holdOf(order, feeRateBps);
        const exact = Number.isSafeInteger(worst) ? worst : 1;
        const heldAmount =
          op.funding === 'surplus' ? exact + 7 : op.funding === 'short' ? Math.max(1, exact - 1) : exact;
        return step(
          { type: 'orders.PlaceOrder', data: { ...order, heldAmount } },
          ref.place(order, now, heldAmount),
        );
      }
      case 'confirm':
      case 'rejectFunds': {
        const id = [...handshakeBids, 'constructor'][op.pick % (handshakeBids.length + 1)]!;
        const data = { marketId: MARKET, orderId: id };
        return op.kind === 'confirm'
          ? step({ type: 'orders.ConfirmBidFunds', data }, ref.confirm(id, now))
          : step({ type: 'orders.RejectBidFunds', data }, ref.rejectFunds(id));
      }
      case 'cancel': {
        const id = [...ids, 'constructor'][op.pick % (ids.length + 1)]!;
        const owner = ref.orders.get(id)?.order.accountId ?? 'buyer-1';
        const accountId = op.by === 'owner' ? owner : owner === 'buyer-2' ? 'buyer-1' : 'buyer-2';
        return step(
          { type: 'orders.CancelOrder', data: { marketId: MARKET, orderId: id, accountId } },
          ref.cancel(id, accountId),
        );
      }
      case 'duplicate': {
        // The same order again under a live id: a retry that is not one (the gateway's key would catch it).
        const live = [...ref.book.map((r) => r.order), ...[...ref.awaiting.values()].map((w) => w.order)];
        const order = live[op.pick % Math.max(1, live.length)];
        if (!order) return;
        const heldAmount = order.side === 'bid' && op.pick % 2 === 0 ? holdOf(order, feeRateBps) : undefined;
        return step(
          { type: 'orders.PlaceOrder', data: heldAmount ? { ...order, heldAmount } : order },
          ref.place(order, now, heldAmount),
        );
      }
      case 'tick':
        now += op.hours * HOUR_MS;
        return;
      case 'record': {
        const node = record(op.node, op.cert);
        return step({ type: 'orders.RecordNode', data: node }, ref.record(node, now));
      }
      case 'suspend': {
        const at = now - op.back * HOUR_MS;
        const data = {
          marketId: MARKET,
          nodeId: NODES[op.node]!.nodeId,
          reason: 'NODE_LOST' as const,
          at: new Date(at).toISOString(),
        };
        return step({ type: 'orders.SuspendNode', data }, ref.suspend(data.nodeId, at));
      }
    }
  });
  if (close !== 'never') closeMarket();

  // A snapshot revives to the same book.
  const revived = reviveMarket(JSON.parse(JSON.stringify(state)));
  same(revived.book.toSnapshot(), state.book.toSnapshot());
}

/** The seed of the streams: fixed, so the test is the same every run; another one replays with MARKET_REFERENCE_SEED. */
const SEED = Number(process.env['MARKET_REFERENCE_SEED'] ?? 20_260_601);

describe('market decider against a reference model of its promises (property-based)', () => {
  it('agrees on every decision, the book, every status and the money held, command by command', () => {
    fc.assert(fc.property(streamArb, runStream), { seed: SEED, numRuns: 200 });
  });
});
