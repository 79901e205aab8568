/**
 * The order book of one market: price–time priority matching of bids for GPU time against asks
 * of provider nodes. Pure and synchronous; the orders service's decider owns one per market.
 *
 * Prices are integer minor units per GPU-hour, quantities whole GPUs. A trade is at the resting
 * (maker) order's price. Besides price and time, a bid can trade with an ask only when
 *  - the ask offers at least the hours the bid wants, and
 *  - the fill takes at least the bid's `minGpusPerNode` GPUs from the ask's node, and leaves the
 *    bid either done or still needing at least that many (a fill that would leave 1 GPU of a
 *    "2 per node" bid takes one GPU fewer), so what rests can always still be filled, and
 *  - the ask's node may still sell, when the caller says which may (`MaySell`: the market's
 *    certification rule); an ask it bars is passed over and reported for the caller to cancel;
 * and never with an order of the same owner: when the incoming order reaches one of its owner's
 * that it could trade with by the rules above, self-trade prevention cancels its remainder (cancel
 * newest); one of its owner's it could not trade with is passed over like any other.
 *
 * It stays one file, under 400 lines: matching is one algorithm over one book (place, rest,
 * fill and cancel share its price levels and time queues); its rules that stand alone are apart
 * (fill-size.ts, book-side.ts), and order-book.spec.ts checks it against a reference model.
 */
import { BookLevel, BookSide } from './book-side';
import { fillSize } from './fill-size';
import { NodeOffers } from './node-offers';
import { RestingBids } from './resting-bids';

export type { BookLevel } from './book-side';
export { fillSize } from './fill-size';

export type Side = 'bid' | 'ask';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';

export interface OrderInput {
  id: string;
  side: Side;
  /** The account: the buyer of a bid, the provider of an ask. */
  owner: string;
  /** Limit price per GPU-hour, integer minor units. */
  price: number;
  /** GPUs. */
  quantity: number;
  /** A bid: the hours it wants. An ask: the most hours it offers. */
  hours: number;
  /** Asks: the node whose GPUs are offered. */
  nodeId?: string;
  /** Bids: the fewest GPUs it takes from one node in one fill (default 1). */
  minGpusPerNode?: number;
  tif: TimeInForce;
}

export interface Fill {
  bidId: string;
  askId: string;
  buyer: string;
  seller: string;
  nodeId: string;
  /** The maker's price per GPU-hour. */
  price: number;
  quantity: number;
  /** The bid's hours: the lease length. */
  hours: number;
  /** Which side was resting. */
  maker: Side;
}

export type Cancellation = 'IOC_REMAINDER' | 'FOK_UNFILLABLE' | 'SELF_TRADE';

/**
 * Whether the node of a resting ask may still sell. A bid's walk asks it only of the asks it
 * reaches (never of bids, never of asks it does not get to), so it costs one call per ask visited;
 * without it every ask may sell.
 */
export type MaySell = (nodeId: string) => boolean;

export interface PlaceResult {
  fills: Fill[];
  /** GPUs of the incoming order left resting in the book. */
  resting: number;
  /** GPUs of the incoming order cancelled, and why. */
  cancelled: number;
  reason?: Cancellation;
  /**
   * Resting asks the walk reached whose node may not sell (`MaySell`), in the order reached: not
   * matched, and still in the book; the caller takes them out. Absent when there are none.
   */
  barred?: string[];
}

/** A resting order: as the book holds it, and as its snapshot lists it. */
export interface Resting {
  id: string;
  side: Side;
  owner: string;
  price: number;
  remaining: number;
  hours: number;
  nodeId: string;
  minGpusPerNode: number;
  seq: number;
}

/** A book as plain JSON (for snapshots): resting orders in time priority, and the sequence. */
export interface OrderBookSnapshot {
  seq: number;
  orders: Resting[];
}

export class OrderBook {
  private readonly bids = new BookSide(true);
  private readonly asks = new BookSide(false);
  private readonly byId = new Map<string, Resting>();
  /** The GPUs each node's resting asks offer (kept as orders enter and leave; never snapshotted). */
  private readonly offers = new NodeOffers();
  /** The bids each account has resting (kept as orders enter and leave; never snapshotted). */
  private readonly bidsByOwner = new RestingBids();
  private seq = 0;

  /** The book as JSON; `fromSnapshot` restores exactly the same priorities. */
  toSnapshot(): OrderBookSnapshot {
    const orders = [...this.byId.values()].sort((a, b) => a.seq - b.seq).map((o) => ({ ...o }));
    return { seq: this.seq, orders };
  }

  /** JSON.stringify writes the snapshot, so a state holding a book can be snapshotted as it is. */
  toJSON(): OrderBookSnapshot {
    return this.toSnapshot();
  }

  static fromSnapshot(snapshot: OrderBookSnapshot): OrderBook {
    const book = new OrderBook();
    for (const o of [...snapshot.orders].sort((a, b) => a.seq - b.seq)) {
      const order: Resting = { ...o };
      (order.side === 'bid' ? book.bids : book.asks).add(order);
      book.byId.set(order.id, order);
      book.offers.enter(order);
      book.bidsByOwner.enter(order);
    }
    book.seq = snapshot.seq;
    return book;
  }

  /** Whether a resting order with this id exists. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The GPUs an order still has resting, or 0. */
  remaining(id: string): number {
    return this.byId.get(id)?.remaining ?? 0;
  }

  /** The GPUs that the resting asks on a node offer, in all. */
  offeredOn(nodeId: string): number {
    return this.offers.offered(nodeId);
  }

  /** How many bids an account has resting. */
  restingBidsOf(owner: string): number {
    return this.bidsByOwner.of(owner);
  }

  /** The ids of the asks resting on a node, in time priority. */
  asksOn(nodeId: string): string[] {
    return this.offers.askIds(nodeId);
  }

  /**
   * Matches and rests an order. `maySell`: a bid trades only with asks whose node may sell; it
   * passes over the others as if they were not there (they are reported as `barred`, and left in
   * the book for the caller to take out).
   */
  place(input: OrderInput, maySell?: MaySell): PlaceResult {
    if (this.byId.has(input.id)) throw new Error(`order ${input.id} is already in the book`);
    return this.execute(input, true, maySell);
  }

  /**
   * What `place` would do, without changing the book: the same fills, resting and cancelled
   * quantities (and asks barred). A decider decides with this; evolving the accepted order then
   * places it.
   */
  preview(input: OrderInput, maySell?: MaySell): PlaceResult {
    return this.execute(input, false, maySell);
  }

  private execute(input: OrderInput, apply: boolean, maySell?: MaySell): PlaceResult {
    // Only a bid's walk reaches asks; an ask's reaches bids, which have no node.
    const sells = input.side === 'bid' ? maySell : undefined;
    const taker: Resting = {
      id: input.id,
      side: input.side,
      owner: input.owner,
      price: input.price,
      remaining: input.quantity,
      hours: input.hours,
      nodeId: input.nodeId ?? '',
      // A bid smaller than its own minimum simply wants all of it from one node.
      minGpusPerNode: Math.min(input.quantity, Math.max(1, input.minGpusPerNode ?? 1)),
      seq: this.seq + 1,
    };
    if (input.tif === 'FOK') {
      // Asks barred are not counted: the kill is decided on what may trade.
      const dry = this.walk(taker, false, sells);
      const fillable = dry.fills.reduce((sum, f) => sum + f.quantity, 0);
      if (fillable < input.quantity)
        return withBarred(
          { fills: [], resting: 0, cancelled: input.quantity, reason: 'FOK_UNFILLABLE' },
          dry.barred,
        );
    }
    const { fills, selfTrade, left, barred } = this.walk(taker, apply, sells);
    if (left === 0) return withBarred({ fills, resting: 0, cancelled: 0 }, barred);
    if (selfTrade) return withBarred({ fills, resting: 0, cancelled: left, reason: 'SELF_TRADE' }, barred);
    if (input.tif !== 'GTC')
      return withBarred({ fills, resting: 0, cancelled: left, reason: 'IOC_REMAINDER' }, barred);
    if (apply) {
      taker.remaining = left;
      taker.seq = ++this.seq;
      (taker.side === 'bid' ? this.bids : this.asks).add(taker);
      this.byId.set(taker.id, taker);
      this.offers.enter(taker);
      this.bidsByOwner.enter(taker);
    }
    return withBarred({ fills, resting: left, cancelled: 0 }, barred);
  }

  /**
   * Enters an order with all its quantity, without matching: the first half of applying a
   * recorded decision (an order accepted). Its trades then `fill` it and its makers, and what it
   * will not trade is cancelled, so the book ends as `place` would have left it.
   */
  rest(input: OrderInput): void {
    if (this.byId.has(input.id)) throw new Error(`order ${input.id} is already in the book`);
    const order: Resting = {
      id: input.id,
      side: input.side,
      owner: input.owner,
      price: input.price,
      remaining: input.quantity,
      hours: input.hours,
      nodeId: input.nodeId ?? '',
      minGpusPerNode: Math.min(input.quantity, Math.max(1, input.minGpusPerNode ?? 1)),
      seq: ++this.seq,
    };
    (order.side === 'bid' ? this.bids : this.asks).add(order);
    this.byId.set(order.id, order);
    this.offers.enter(order);
    this.bidsByOwner.enter(order);
  }

  /**
   * Takes a recorded trade's GPUs from a resting order; an order filled completely leaves the
   * book. Returns the GPUs taken (never more than rest, 0 for an order not in the book).
   */
  fill(id: string, quantity: number): number {
    const order = this.byId.get(id);
    if (!order) return 0;
    const taken = Math.min(quantity, order.remaining);
    order.remaining -= taken;
    this.offers.take(order, taken);
    if (order.remaining === 0) {
      this.byId.delete(id);
      this.bidsByOwner.leave(order);
      const side = order.side === 'bid' ? this.bids : this.asks;
      const level = side.levels.get(order.price);
      if (level) {
        side.retire(level);
        side.tidy(level);
      }
    }
    return taken;
  }

  /** Cancels what is left of a resting order; returns the GPUs cancelled (0 if none rested). */
  cancel(id: string): number {
    const order = this.byId.get(id);
    return order ? this.fill(id, order.remaining) : 0;
  }

  /** Best levels of each side, aggregated. */
  depth(levels = 10): { bids: BookLevel[]; asks: BookLevel[] } {
    return { bids: this.bids.depth(levels), asks: this.asks.depth(levels) };
  }

  /** Every resting order, for snapshots and checks. */
  orders(): Array<Readonly<Resting>> {
    return [...this.byId.values()];
  }

  private crosses(taker: Resting, price: number): boolean {
    return taker.side === 'bid' ? price <= taker.price : price >= taker.price;
  }

  /** The GPUs a fill between these two would take, or 0 if they cannot trade. */
  private static fillSize(bid: Resting, ask: Resting, bidRemaining: number, askRemaining: number): number {
    return fillSize(bid.hours, bid.minGpusPerNode, ask.hours, bidRemaining, askRemaining);
  }

  /**
   * Walks the other side in priority order and computes the taker's fills. With `apply` the
   * makers are filled and emptied levels removed; without, consumption is only tallied, so a
   * preview and a placement see exactly the same fills. Stops at an order of the taker's own that
   * it could trade with (self-trade prevention). A maker `maySell` bars is passed over before
   * anything else is checked, exactly as if it were not in the book (not even as the taker's own
   * order), and listed.
   */
  private walk(
    taker: Resting,
    apply: boolean,
    maySell: MaySell | undefined,
  ): { fills: Fill[]; selfTrade: boolean; left: number; barred: string[] | undefined } {
    const side = taker.side === 'bid' ? this.asks : this.bids;
    // Only a preview tallies what it would take from each maker; a placement takes it.
    const used = apply ? undefined : new Map<Resting, number>();
    const fills: Fill[] = [];
    let barred: string[] | undefined;
    let left = taker.remaining;
    let p = 0;
    while (left > 0 && p < side.prices.length) {
      const price = side.prices[p]!;
      if (!this.crosses(taker, price)) break;
      const level = side.levels.get(price)!;
      for (let i = level.head; i < level.orders.length && left > 0; i++) {
        const maker = level.orders[i]!;
        const makerLeft = used ? maker.remaining - (used.get(maker) ?? 0) : maker.remaining;
        if (makerLeft === 0) continue;
        if (maySell !== undefined && !maySell(maker.nodeId)) {
          (barred ??= []).push(maker.id);
          continue;
        }
        const bid = taker.side === 'bid' ? taker : maker;
        const ask = taker.side === 'bid' ? maker : taker;
        const size =
          taker.side === 'bid'
            ? OrderBook.fillSize(bid, ask, left, makerLeft)
            : OrderBook.fillSize(bid, ask, makerLeft, left);
        if (size === 0) continue;
        if (maker.owner === taker.owner) {
          if (apply) side.tidy(level);
          return { fills, selfTrade: true, left, barred };
        }
        left -= size;
        if (used) {
          used.set(maker, (used.get(maker) ?? 0) + size);
        } else {
          maker.remaining -= size;
          this.offers.take(maker, size);
          if (maker.remaining === 0) {
            this.byId.delete(maker.id);
            this.bidsByOwner.leave(maker);
            side.retire(level);
          }
        }
        fills.push({
          bidId: bid.id,
          askId: ask.id,
          buyer: bid.owner,
          seller: ask.owner,
          nodeId: ask.nodeId,
          price: maker.price,
          quantity: size,
          hours: bid.hours,
          maker: maker.side,
        });
      }
      if (!apply) {
        p++;
        continue;
      }
      const before = side.prices.length;
      side.tidy(level);
      // The level is gone when it was emptied; otherwise it only holds orders this taker skipped.
      if (side.prices.length === before) p++;
    }
    return { fills, selfTrade: false, left, barred };
  }
}

/** A result with the asks its walk barred, when there were any (most walks bar none). */
function withBarred(result: PlaceResult, barred: string[] | undefined): PlaceResult {
  if (barred !== undefined) result.barred = barred;
  return result;
}
