import { BookSide } from './book-side';
import type { Resting } from './order-book';

const bid = (seq: number, remaining = 1): Resting => ({
  id: `b${seq}`,
  side: 'bid',
  owner: 'buyer',
  price: 100,
  remaining,
  hours: 1,
  nodeId: '',
  minGpusPerNode: 1,
  seq,
});

describe('one side of the book', () => {
  it('keeps the done orders between live ones of a level under about half of it', () => {
    const side = new BookSide(true);
    const orders = Array.from({ length: 1_000 }, (_, i) => bid(i));
    for (const o of orders) side.add(o);
    const level = side.levels.get(100)!;
    // Every order but the first and the last is cancelled, one after the other.
    for (const o of orders.slice(1, -1)) {
      o.remaining = 0;
      side.retire(level);
      side.tidy(level);
      const live = level.orders.filter((x) => x.remaining > 0).length;
      expect(level.orders.length - level.head).toBeLessThanOrEqual(Math.max(2 * live + 2, 34 + live));
    }
    // 998 cancelled; what the level still holds is its two live orders and at most 33 done ones.
    const left = level.orders.slice(level.head);
    expect(left.filter((o) => o.remaining > 0).map((o) => o.id)).toEqual(['b0', 'b999']);
    expect(left.length).toBeLessThanOrEqual(2 + 33);
    expect(side.depth(1)).toEqual([{ price: 100, quantity: 2, orders: 2 }]);
  });

  it('keeps time priority when it compacts a level', () => {
    const side = new BookSide(false);
    const orders = Array.from({ length: 200 }, (_, i) => ({ ...bid(i), side: 'ask' as const }));
    for (const o of orders) side.add(o);
    const level = side.levels.get(100)!;
    for (const o of orders.filter((_, i) => i % 3 !== 0)) {
      o.remaining = 0;
      side.retire(level);
      side.tidy(level);
    }
    const live = level.orders.slice(level.head).filter((o) => o.remaining > 0);
    expect(live.map((o) => o.seq)).toEqual(orders.filter((_, i) => i % 3 === 0).map((o) => o.seq));
    expect(level.orders.length - level.head).toBeLessThan(orders.length);
  });
});
