import fc from 'fast-check';
import { OrderBook, OrderInput } from './order-book';

const NODES = ['alice-node-1', 'alice-node-2', 'bob-node-1', 'carol-node-1'];

type Op = { kind: 'place'; order: Omit<OrderInput, 'id'> } | { kind: 'cancel'; pick: number };

const orderArb: fc.Arbitrary<Omit<OrderInput, 'id'>> = fc
  .record({
    side: fc.constantFrom('bid' as const, 'ask' as const),
    node: fc.constantFrom(...NODES),
    bidder: fc.constantFrom('bob', 'dave', 'erin'),
    price: fc.integer({ min: 97, max: 103 }),
    quantity: fc.integer({ min: 1, max: 8 }),
    hours: fc.integer({ min: 1, max: 3 }),
    tif: fc.constantFrom('GTC' as const, 'GTC' as const, 'IOC' as const, 'FOK' as const),
  })
  .map(({ node, bidder, side, ...o }) =>
    side === 'ask' ? { ...o, side, owner: node.split('-')[0]!, nodeId: node } : { ...o, side, owner: bidder },
  );

const opsArb = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: orderArb.map((order): Op => ({ kind: 'place', order })) },
    { weight: 1, arbitrary: fc.nat(60).map((pick): Op => ({ kind: 'cancel', pick })) },
  ),
  { minLength: 1, maxLength: 100 },
);

/** Each node's figures the plain way: a walk over every resting order. */
function expectOffersOf(book: OrderBook): void {
  const resting = book.orders();
  for (const node of NODES) {
    const asks = resting.filter((o) => o.side === 'ask' && o.nodeId === node).sort((a, b) => a.seq - b.seq);
    expect({ node, gpus: book.offeredOn(node), asks: book.asksOn(node) }).toEqual({
      node,
      gpus: asks.reduce((s, o) => s + o.remaining, 0),
      asks: asks.map((o) => o.id),
    });
  }
}

describe("the book's offers per node", () => {
  it('equal the sum over its resting asks after every placement, trade and cancel', () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        const book = new OrderBook();
        ops.forEach((op, i) => {
          if (op.kind === 'place') book.place({ ...op.order, id: `o${i}` });
          else book.cancel(`o${op.pick}`);
          expectOffersOf(book);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('equal it too when the book applies recorded facts (rest, fill, cancel), as the market evolves it', () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        const book = new OrderBook();
        ops.forEach((op, i) => {
          if (op.kind === 'cancel') {
            book.cancel(`o${op.pick}`);
            return expectOffersOf(book);
          }
          const input = { ...op.order, id: `o${i}` };
          const decided = book.preview(input);
          book.rest(input);
          for (const fill of decided.fills) {
            book.fill(fill.bidId, fill.quantity);
            book.fill(fill.askId, fill.quantity);
          }
          if (decided.cancelled > 0) book.cancel(input.id);
          expectOffersOf(book);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('are rebuilt by a book restored from its snapshot, which lists no offers of its own', () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        const book = new OrderBook();
        ops.forEach((op, i) =>
          op.kind === 'place' ? book.place({ ...op.order, id: `o${i}` }) : book.cancel(`o${op.pick}`),
        );
        const snapshot = JSON.parse(JSON.stringify(book.toSnapshot()));
        expect(Object.keys(snapshot).sort()).toEqual(['orders', 'seq']);
        const restored = OrderBook.fromSnapshot(snapshot);
        expectOffersOf(restored);
        for (const node of NODES) expect(restored.offeredOn(node)).toBe(book.offeredOn(node));
      }),
      { numRuns: 300 },
    );
  });
});
