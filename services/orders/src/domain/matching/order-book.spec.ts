import fc from 'fast-check';
import { Fill, fillSize, OrderBook, OrderInput, PlaceResult } from './order-book';

/**
 * The reference the engine must agree with: the same rules written the plainest way (a list,
 * sorted on every match). Property tests run random streams through both.
 */
class ReferenceBook {
  private resting: Array<OrderInput & { remaining: number; seq: number }> = [];
  private seq = 0;

  private static size(bid: OrderInput, ask: { hours: number }, bidRemaining: number, askRemaining: number) {
    return fillSize(
      bid.hours,
      Math.min(bid.quantity, bid.minGpusPerNode ?? 1),
      ask.hours,
      bidRemaining,
      askRemaining,
    );
  }

  private candidates(taker: OrderInput) {
    return this.resting
      .filter(
        (o) =>
          o.side !== taker.side && (taker.side === 'bid' ? o.price <= taker.price : o.price >= taker.price),
      )
      .sort((a, b) => (taker.side === 'bid' ? a.price - b.price : b.price - a.price) || a.seq - b.seq);
  }

  place(input: OrderInput): PlaceResult {
    let remaining = input.quantity;
    const fillable = () => {
      let need = remaining;
      for (const m of this.candidates(input)) {
        const [bid, ask, br, ar] =
          input.side === 'bid' ? [input, m, need, m.remaining] : [m, input, m.remaining, need];
        const size = ReferenceBook.size(bid, ask, br, ar);
        if (size > 0 && m.owner === input.owner) break;
        need -= size;
        if (need === 0) break;
      }
      return input.quantity - need;
    };
    if (input.tif === 'FOK' && fillable() < input.quantity)
      return { fills: [], resting: 0, cancelled: input.quantity, reason: 'FOK_UNFILLABLE' };
    const fills: Fill[] = [];
    let selfTrade = false;
    for (const m of this.candidates(input)) {
      if (remaining === 0) break;
      const bid = input.side === 'bid' ? { ...input, remaining } : m;
      const ask = input.side === 'bid' ? m : { ...input, remaining };
      const size = ReferenceBook.size(bid, ask, bid.remaining, ask.remaining);
      if (size === 0) continue;
      if (m.owner === input.owner) {
        selfTrade = true;
        break;
      }
      remaining -= size;
      m.remaining -= size;
      fills.push({
        bidId: bid.id,
        askId: ask.id,
        buyer: bid.owner,
        seller: ask.owner,
        nodeId: ask.nodeId ?? '',
        price: m.price,
        quantity: size,
        hours: bid.hours,
        maker: m.side,
      });
    }
    this.resting = this.resting.filter((o) => o.remaining > 0);
    if (remaining === 0) return { fills, resting: 0, cancelled: 0 };
    if (selfTrade) return { fills, resting: 0, cancelled: remaining, reason: 'SELF_TRADE' };
    if (input.tif !== 'GTC') return { fills, resting: 0, cancelled: remaining, reason: 'IOC_REMAINDER' };
    this.resting.push({ ...input, remaining, seq: ++this.seq });
    return { fills, resting: remaining, cancelled: 0 };
  }

  cancel(id: string): number {
    const o = this.resting.find((r) => r.id === id);
    this.resting = this.resting.filter((r) => r.id !== id);
    return o?.remaining ?? 0;
  }
}

type Op = { kind: 'place'; order: Omit<OrderInput, 'id'> } | { kind: 'cancel'; pick: number };

const orderArb: fc.Arbitrary<Omit<OrderInput, 'id'>> = fc
  .record({
    side: fc.constantFrom('bid' as const, 'ask' as const),
    owner: fc.constantFrom('alice', 'bob', 'carol', 'dave'),
    price: fc.integer({ min: 95, max: 105 }),
    quantity: fc.integer({ min: 1, max: 8 }),
    hours: fc.integer({ min: 1, max: 4 }),
    node: fc.integer({ min: 1, max: 3 }),
    minGpusPerNode: fc.integer({ min: 1, max: 4 }),
    tif: fc.constantFrom('GTC' as const, 'GTC' as const, 'IOC' as const, 'FOK' as const),
  })
  .map(({ node, minGpusPerNode, ...o }) =>
    o.side === 'ask' ? { ...o, nodeId: `${o.owner}-node-${node}` } : { ...o, minGpusPerNode },
  );

const opsArb = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: orderArb.map((order): Op => ({ kind: 'place', order })) },
    { weight: 1, arbitrary: fc.nat(50).map((pick): Op => ({ kind: 'cancel', pick })) },
  ),
  { minLength: 1, maxLength: 120 },
);

/** Runs a stream through the engine, checking invariants after every step; returns the results. */
function run(ops: Op[], check: (book: OrderBook, result: PlaceResult | number, input?: OrderInput) => void) {
  const book = new OrderBook();
  const placed: string[] = [];
  const results: Array<PlaceResult | number> = [];
  ops.forEach((op, i) => {
    if (op.kind === 'place') {
      const input = { ...op.order, id: `o${i}` };
      placed.push(input.id);
      const result = book.place(input);
      check(book, result, input);
      results.push(result);
    } else {
      const id = placed[op.pick % Math.max(1, placed.length)];
      const cancelled = id ? book.cancel(id) : 0;
      check(book, cancelled);
      results.push(cancelled);
    }
  });
  return results;
}

/** The engine's results of a stream equal the reference model's, operation by operation. */
function expectReferenceResults(ops: Op[]): void {
  const reference = new ReferenceBook();
  const placed: string[] = [];
  const expected = ops.map((op, i) => {
    if (op.kind === 'place') {
      placed.push(`o${i}`);
      return reference.place({ ...op.order, id: `o${i}` });
    }
    const id = placed[op.pick % Math.max(1, placed.length)];
    return id ? reference.cancel(id) : 0;
  });
  expect(run(ops, () => undefined)).toEqual(expected);
}

describe('order book (property-based)', () => {
  it('agrees with the reference model on every fill, in price–time priority', () => {
    fc.assert(fc.property(opsArb, expectReferenceResults), { numRuns: 1000 });
  });

  it('agrees with it too when cancels hollow out crowded levels (done orders compacted away)', () => {
    // Bids at 100 or 101 and asks at 101 or 102 (crossing at 101 only), of one or two GPUs: first
    // a crowd of them, then cancels that hollow their levels out (so that levels are compacted),
    // then both again, trading through what is left.
    const order = orderArb.map((o): Op => ({
      kind: 'place',
      order: { ...o, price: (o.side === 'bid' ? 100 : 101) + (o.price % 2), quantity: 1 + (o.quantity % 2) },
    }));
    const cancel = fc.nat(400).map((pick): Op => ({ kind: 'cancel', pick }));
    const crowded = fc
      .tuple(
        fc.array(order, { minLength: 300, maxLength: 400 }),
        fc.array(cancel, { minLength: 300, maxLength: 400 }),
        fc.array(fc.oneof(order, cancel), { minLength: 100, maxLength: 200 }),
      )
      .map(([crowd, cancels, after]) => [...crowd, ...cancels, ...after]);
    fc.assert(fc.property(crowded, expectReferenceResults), { numRuns: 100 });
  });

  it('conserves quantity: every GPU of every order is filled, resting or cancelled', () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        let placedQty = 0;
        let filledQty = 0;
        let cancelledQty = 0;
        const book = new OrderBook();
        run(ops, (b, result, input) => {
          if (typeof result === 'number') cancelledQty += result;
          else {
            placedQty += input!.quantity;
            const takerFilled = result.fills.reduce((s, f) => s + f.quantity, 0);
            expect(takerFilled + result.resting + result.cancelled).toBe(input!.quantity);
            filledQty += 2 * takerFilled; // a fill consumes the same GPUs from taker and maker
            cancelledQty += result.cancelled;
          }
          const restingQty = b.orders().reduce((s, o) => s + o.remaining, 0);
          expect(filledQty + cancelledQty + restingQty).toBe(placedQty);
          void book;
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('never leaves a crossed book: no resting bid and ask of different owners that could trade', () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        run(ops, (book) => {
          const orders = book.orders();
          for (const bid of orders.filter((o) => o.side === 'bid')) {
            for (const ask of orders.filter(
              (o) => o.side === 'ask' && o.owner !== bid.owner && o.price <= bid.price,
            )) {
              const tradable =
                fillSize(bid.hours, bid.minGpusPerNode, ask.hours, bid.remaining, ask.remaining) > 0;
              // Only the owner's own order may stand between them (self-trade prevention cancels the newer).
              expect({ bid: bid.id, ask: ask.id, tradable }).toEqual({
                bid: bid.id,
                ask: ask.id,
                tradable: false,
              });
            }
          }
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('previews exactly what placing will do, without changing the book', () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        const book = new OrderBook();
        ops.forEach((op, i) => {
          if (op.kind === 'cancel') return void book.cancel(`o${op.pick}`);
          const input = { ...op.order, id: `o${i}` };
          const before = JSON.stringify(book.toSnapshot());
          const preview = book.preview(input);
          expect(JSON.stringify(book.toSnapshot())).toBe(before);
          expect(book.place(input)).toEqual(preview);
        });
      }),
      { numRuns: 1000 },
    );
  });

  it("counts each account's resting bids as the book holds them, through fills, cancels and a snapshot", () => {
    const counted = (b: OrderBook) => {
      const byOwner = new Map<string, number>();
      for (const o of b.orders()) if (o.side === 'bid') byOwner.set(o.owner, (byOwner.get(o.owner) ?? 0) + 1);
      return byOwner;
    };
    const agrees = (b: OrderBook, owners: Iterable<string>) => {
      const expected = counted(b);
      for (const owner of owners)
        expect([owner, b.restingBidsOf(owner)]).toEqual([owner, expected.get(owner) ?? 0]);
    };
    fc.assert(
      fc.property(opsArb, (ops) => {
        const owners = new Set<string>();
        const book = new OrderBook();
        ops.forEach((op, i) => {
          if (op.kind === 'place') {
            owners.add(op.order.owner);
            book.place({ ...op.order, id: `o${i}` });
          } else book.cancel(`o${op.pick}`);
          agrees(book, owners);
        });
        agrees(OrderBook.fromSnapshot(JSON.parse(JSON.stringify(book.toSnapshot()))), owners);
      }),
      { numRuns: 300 },
    );
  });

  it('restores from a snapshot to a book that matches exactly as the original would', () => {
    fc.assert(
      fc.property(opsArb, opsArb, (before, after) => {
        const original = new OrderBook();
        before.forEach((op, i) =>
          op.kind === 'place' ? original.place({ ...op.order, id: `a${i}` }) : original.cancel(`a${op.pick}`),
        );
        const restored = OrderBook.fromSnapshot(JSON.parse(JSON.stringify(original.toSnapshot())));
        expect(restored.depth(100)).toEqual(original.depth(100));
        after.forEach((op, i) => {
          if (op.kind === 'place')
            expect(restored.place({ ...op.order, id: `b${i}` })).toEqual(
              original.place({ ...op.order, id: `b${i}` }),
            );
          else expect(restored.cancel(`a${op.pick}`)).toBe(original.cancel(`a${op.pick}`));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('honours FOK, IOC and self-trade prevention', () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        run(ops, (book, result, input) => {
          if (typeof result === 'number' || !input) return;
          const filled = result.fills.reduce((s, f) => s + f.quantity, 0);
          if (input.tif === 'FOK')
            expect(filled === input.quantity || (filled === 0 && result.reason === 'FOK_UNFILLABLE')).toBe(
              true,
            );
          if (input.tif !== 'GTC') expect(book.has(input.id)).toBe(false);
          for (const f of result.fills) {
            expect(f.buyer).not.toBe(f.seller);
            expect(f.price).toBe(
              input.side === 'bid' ? Math.min(f.price, input.price) : Math.max(f.price, input.price),
            );
          }
        });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('order book: asks whose node may not sell (maySell)', () => {
  it('fills a bid exactly as if every resting ask of a barred node had been cancelled first', () => {
    const nodes = ['alice', 'bob', 'carol', 'dave'].flatMap((o) => [1, 2, 3].map((n) => `${o}-node-${n}`));
    fc.assert(
      fc.property(opsArb, fc.subarray(nodes), (ops, barredNodes) => {
        const barredSet = new Set(barredNodes);
        const maySell = (nodeId: string) => !barredSet.has(nodeId);
        // `walked` decides with the predicate and then takes out the asks it reports; `swept`
        // cancels every ask of a barred node before each bid, with no predicate.
        const walked = new OrderBook();
        const swept = new OrderBook();
        ops.forEach((op, i) => {
          if (op.kind === 'cancel') {
            walked.cancel(`o${op.pick}`);
            swept.cancel(`o${op.pick}`);
            return;
          }
          const input = { ...op.order, id: `o${i}` };
          if (input.side === 'bid')
            for (const o of swept.orders())
              if (o.side === 'ask' && barredSet.has(o.nodeId)) swept.cancel(o.id);
          const preview = walked.preview(input, maySell);
          const { barred, ...result } = walked.place(input, maySell);
          expect({ ...result, ...(barred ? { barred } : {}) }).toEqual(preview);
          expect(result).toEqual(swept.place(input));
          for (const id of barred ?? []) {
            const ask = walked.orders().find((o) => o.id === id);
            expect([id, ask?.side, barredSet.has(ask?.nodeId ?? '')]).toEqual([id, 'ask', true]);
            walked.cancel(id);
          }
          if (input.side === 'ask') expect(barred).toBeUndefined();
        });
      }),
      { numRuns: 500 },
    );
  });

  const ask = (id: string, price: number, quantity: number, nodeId: string, owner = 'prov'): OrderInput => ({
    id,
    side: 'ask',
    owner,
    price,
    quantity,
    hours: 8,
    nodeId,
    tif: 'GTC',
  });
  const bid = (
    id: string,
    quantity: number,
    tif: OrderInput['tif'] = 'GTC',
    owner = 'buyer',
  ): OrderInput => ({
    id,
    side: 'bid',
    owner,
    price: 120,
    quantity,
    hours: 4,
    tif,
  });
  const notN1 = (nodeId: string) => nodeId !== 'n1';

  it('passes over a barred ask, reports it, and leaves it in the book for the caller', () => {
    const book = new OrderBook();
    book.place(ask('lapsed', 100, 4, 'n1'));
    book.place(ask('fine', 110, 4, 'n2'));
    const result = book.place(bid('b', 3), notN1);
    expect(result).toEqual({
      fills: [expect.objectContaining({ askId: 'fine', quantity: 3, price: 110 })],
      resting: 0,
      cancelled: 0,
      barred: ['lapsed'],
    });
    expect(book.remaining('lapsed')).toBe(4);
    // Not reached: not asked about, not reported.
    const asked: string[] = [];
    book.place(ask('later', 115, 4, 'n1'));
    expect(book.preview(bid('b2', 1), (n) => (asked.push(n), n !== 'n1')).barred).toEqual(['lapsed']);
    expect(asked).toEqual(['n1', 'n2']);
  });

  it('does not count barred asks toward a FOK, and still reports the ones it reached', () => {
    const book = new OrderBook();
    book.place(ask('lapsed', 100, 4, 'n1'));
    book.place(ask('fine', 110, 4, 'n2'));
    expect(book.preview(bid('f', 6, 'FOK'))).toMatchObject({ cancelled: 0, resting: 0 });
    expect(book.preview(bid('f', 6, 'FOK'), notN1)).toEqual({
      fills: [],
      resting: 0,
      cancelled: 6,
      reason: 'FOK_UNFILLABLE',
      barred: ['lapsed'],
    });
  });

  it("passes over a barred ask of the bid's own owner without a self-trade, and never asks about bids", () => {
    const book = new OrderBook();
    book.place(ask('mine', 100, 2, 'n1', 'same'));
    book.place(ask('other', 105, 2, 'n2'));
    expect(book.preview(bid('b', 2, 'GTC', 'same'), notN1)).toMatchObject({
      fills: [expect.objectContaining({ askId: 'other', quantity: 2 })],
      barred: ['mine'],
    });
    const bids = new OrderBook();
    bids.place(bid('rest', 2));
    const never = () => {
      throw new Error('asked about a bid');
    };
    expect(bids.place(ask('a', 100, 2, 'n1'), never).fills).toHaveLength(1);
  });
});

describe('order book (examples)', () => {
  const ask = (id: string, price: number, quantity: number, extra: Partial<OrderInput> = {}): OrderInput => ({
    id,
    side: 'ask',
    owner: 'prov',
    price,
    quantity,
    hours: 8,
    nodeId: 'n1',
    tif: 'GTC',
    ...extra,
  });
  const bid = (id: string, price: number, quantity: number, extra: Partial<OrderInput> = {}): OrderInput => ({
    id,
    side: 'bid',
    owner: 'buyer',
    price,
    quantity,
    hours: 4,
    tif: 'GTC',
    ...extra,
  });

  it('fills the best price first, then the earlier order at a price, at the maker price', () => {
    const book = new OrderBook();
    book.place(ask('a1', 110, 2));
    book.place(ask('a2', 100, 2));
    book.place(ask('a3', 100, 2));
    const result = book.place(bid('b1', 120, 5));
    expect(result.fills.map((f) => [f.askId, f.price, f.quantity])).toEqual([
      ['a2', 100, 2],
      ['a3', 100, 2],
      ['a1', 110, 1],
    ]);
    expect(book.depth()).toEqual({ bids: [], asks: [{ price: 110, quantity: 1, orders: 1 }] });
  });

  it('skips asks offering too few hours or too few GPUs per node, and rests the rest', () => {
    const book = new OrderBook();
    book.place(ask('short', 90, 8, { hours: 2 }));
    book.place(ask('small', 95, 1, { nodeId: 'n2' }));
    book.place(ask('fit', 99, 4, { nodeId: 'n3' }));
    const result = book.place(bid('b', 100, 6, { minGpusPerNode: 2 }));
    expect(result.fills.map((f) => [f.askId, f.quantity])).toEqual([['fit', 4]]);
    expect(result.resting).toBe(2);
  });

  it('never leaves a bid needing fewer GPUs than its per-node minimum', () => {
    const book = new OrderBook();
    book.place(ask('seven', 100, 7));
    const result = book.place(bid('b', 100, 8, { minGpusPerNode: 2 }));
    expect(result.fills.map((f) => f.quantity)).toEqual([6]);
    expect(result.resting).toBe(2);
  });

  it("takes a bid's GPUs per node from one ask: two asks of a node are not added up (the API says so)", () => {
    const book = new OrderBook();
    book.place(ask('a1', 100, 1));
    book.place(ask('a2', 100, 1));
    expect(book.place(bid('b', 100, 2, { minGpusPerNode: 2, tif: 'IOC' }))).toEqual({
      fills: [],
      resting: 0,
      cancelled: 2,
      reason: 'IOC_REMAINDER',
    });
  });

  it('kills a FOK that its own order would stop before it is filled (FOK_UNFILLABLE, not SELF_TRADE)', () => {
    const book = new OrderBook();
    book.place(ask('theirs', 100, 1, { owner: 'other' }));
    book.place(ask('mine', 100, 1, { owner: 'same', nodeId: 'n2' }));
    expect(book.place(bid('f', 100, 2, { owner: 'same', tif: 'FOK' }))).toEqual({
      fills: [],
      resting: 0,
      cancelled: 2,
      reason: 'FOK_UNFILLABLE',
    });
    expect(book.remaining('theirs')).toBe(1);
  });

  it('cancels an incoming order that meets its own owner (self-trade prevention)', () => {
    const book = new OrderBook();
    book.place(ask('mine', 100, 2, { owner: 'same' }));
    expect(book.place(bid('b', 100, 2, { owner: 'same' }))).toEqual({
      fills: [],
      resting: 0,
      cancelled: 2,
      reason: 'SELF_TRADE',
    });
  });

  it('passes over an order of its own owner that it could not trade with: only one it could trade with cancels it (SELF_TRADE)', () => {
    const book = new OrderBook();
    // The owner's ask is cheaper but offers 1 hour; the bid wants 2, which only the other's gives.
    book.place(ask('mine', 80, 1, { owner: 'same', hours: 1 }));
    book.place(ask('theirs', 85, 1, { owner: 'other', hours: 3 }));
    const result = book.place(bid('b', 90, 1, { owner: 'same', hours: 2 }));
    expect(result.fills.map((f) => [f.askId, f.quantity])).toEqual([['theirs', 1]]);
    expect(result).toMatchObject({ resting: 0, cancelled: 0 });
    expect(book.has('mine')).toBe(true);
    // One it could trade with stops it, after what it traded before.
    book.place(ask('o2', 80, 1, { owner: 'other', hours: 3 }));
    book.place(ask('mine2', 81, 1, { owner: 'same', hours: 3 }));
    expect(book.place(bid('b2', 90, 3, { owner: 'same', hours: 2 }))).toMatchObject({
      resting: 0,
      cancelled: 2,
      reason: 'SELF_TRADE',
      fills: [expect.objectContaining({ askId: 'o2', quantity: 1 })],
    });
  });

  it('cancels a resting order and nothing else', () => {
    const book = new OrderBook();
    book.place(ask('a', 100, 3));
    expect(book.cancel('a')).toBe(3);
    expect(book.cancel('a')).toBe(0);
    expect(book.place(bid('b', 100, 1, { tif: 'IOC' }))).toEqual({
      fills: [],
      resting: 0,
      cancelled: 1,
      reason: 'IOC_REMAINDER',
    });
  });

  it("applies recorded facts without matching: rest enters an order whole, fill takes a trade's GPUs", () => {
    const book = new OrderBook();
    book.place(ask('a1', 100, 3));
    book.place(ask('a2', 100, 2));
    // A crossing bid rests whole: nothing is matched until its trades are applied.
    book.rest(bid('b1', 120, 4));
    expect(book.remaining('b1')).toBe(4);
    expect(book.remaining('a1')).toBe(3);
    expect(book.fill('b1', 3)).toBe(3);
    expect(book.fill('a1', 3)).toBe(3);
    expect(book.has('a1')).toBe(false);
    expect(book.fill('b1', 1)).toBe(1);
    expect(book.fill('a2', 1)).toBe(1);
    expect(book.has('b1')).toBe(false);
    expect(book.fill('b1', 1)).toBe(0);
    expect(book.depth()).toEqual({ bids: [], asks: [{ price: 100, quantity: 1, orders: 1 }] });
    // A filled order leaves the book; the others keep their time priority.
    book.rest(ask('a3', 100, 2));
    book.rest(ask('a4', 100, 2));
    book.fill('a4', 2);
    expect(book.toSnapshot().orders.map((o) => o.id)).toEqual(['a2', 'a3']);
    expect(book.place(bid('b2', 100, 3)).fills.map((f) => [f.askId, f.quantity])).toEqual([
      ['a2', 1],
      ['a3', 2],
    ]);
    expect(() => book.rest(ask('a2', 100, 1))).not.toThrow();
    expect(() => book.rest(ask('a2', 100, 1))).toThrow('already in the book');
  });

  it("counts an account's bids rested whole and filled out of the book", () => {
    const rested = new OrderBook();
    rested.rest(bid('r1', 100, 2, { owner: 'x' }));
    rested.rest(bid('r2', 100, 1, { owner: 'x' }));
    expect(rested.restingBidsOf('x')).toBe(2);
    rested.fill('r1', 1);
    expect(rested.restingBidsOf('x')).toBe(2);
    rested.fill('r1', 1);
    expect(rested.restingBidsOf('x')).toBe(1);
    rested.cancel('r2');
    expect(rested.restingBidsOf('x')).toBe(0);
  });
});
