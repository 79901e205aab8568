/**
 * One side of an order book: price levels, best first, each a queue of resting orders in time
 * priority. The book (order-book.ts) matches against it; done orders are tidied lazily.
 */
import type { Resting } from './order-book';

export interface Level {
  price: number;
  orders: Resting[];
  /** Index of the first order that may still have quantity (earlier ones are done). */
  head: number;
  /**
   * Orders of the level that have none left (filled or cancelled) since it was last compacted.
   * Done orders between live ones stay in `orders` until they are half of it: every taker would
   * otherwise walk past them (a hundred thousand bids placed and cancelled behind one that never
   * trades made every ask at that price cost a millisecond).
   */
  gone: number;
}

export interface BookLevel {
  price: number;
  quantity: number;
  orders: number;
}

/** One side: its levels by price, best first. */
export class BookSide {
  readonly levels = new Map<number, Level>();
  /** Prices, best first: descending for bids, ascending for asks. */
  readonly prices: number[] = [];

  constructor(private readonly descending: boolean) {}

  private better(a: number, b: number): boolean {
    return this.descending ? a > b : a < b;
  }

  add(order: Resting): void {
    let level = this.levels.get(order.price);
    if (!level) {
      level = { price: order.price, orders: [], head: 0, gone: 0 };
      this.levels.set(order.price, level);
      // Binary search for the insertion point keeps `prices` sorted best first.
      let lo = 0;
      let hi = this.prices.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.better(this.prices[mid]!, order.price)) lo = mid + 1;
        else hi = mid;
      }
      this.prices.splice(lo, 0, order.price);
    }
    level.orders.push(order);
  }

  /** An order of `level` has none left: counted, so that `tidy` knows when to compact the level. */
  retire(level: Level): void {
    level.gone++;
  }

  /**
   * Drops done orders at both ends of a level, and the level itself once it is empty; compacts a
   * level whose done orders (counted by `retire`) are more than half of it. That also covers a
   * head that has moved far in: every order before it was retired since the last compaction.
   */
  tidy(level: Level): void {
    const orders = level.orders;
    while (level.head < orders.length && orders[level.head]!.remaining === 0) level.head++;
    while (orders.length > level.head && orders[orders.length - 1]!.remaining === 0) orders.pop();
    if (level.head === orders.length) {
      this.levels.delete(level.price);
      const at = this.prices.indexOf(level.price);
      if (at >= 0) this.prices.splice(at, 1);
    } else if (level.gone > 32 && level.gone * 2 > orders.length - level.head) {
      level.orders = orders.slice(level.head).filter((o) => o.remaining > 0);
      level.head = 0;
      level.gone = 0;
    }
  }

  depth(limit: number): BookLevel[] {
    const out: BookLevel[] = [];
    for (const price of this.prices) {
      if (out.length === limit) break;
      const level = this.levels.get(price)!;
      let quantity = 0;
      let orders = 0;
      for (let i = level.head; i < level.orders.length; i++) {
        const o = level.orders[i]!;
        if (o.remaining > 0) {
          quantity += o.remaining;
          orders++;
        }
      }
      if (orders > 0) out.push({ price, quantity, orders });
    }
    return out;
  }
}
