import fc from 'fast-check';
import type { NodeRecord, Order, RejectionCode } from '@gpux/contracts';
import { scenario } from '@gpux/eventsourcing/domain';
import { OrderBook } from '../matching/order-book';
import {
  createMarketDecider,
  feePerGpuHour,
  holdFor,
  MarketEvent,
  marketDecider,
  reviveMarket,
} from './market.decider';
import { engineOrder } from './market';
import { askOrder, bidOrder, h100, nodeRecord } from './market.fixture';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const spec = h100;
const node = (nodeId: string, extra: Partial<NodeRecord> = {}) => nodeRecord({ nodeId, ...extra });
const opened: MarketEvent = { type: 'orders.MarketOpened', data: spec };
const recorded = (n: NodeRecord): MarketEvent => ({ type: 'orders.NodeRecorded', data: n });
const ask = askOrder;
const bid = bidOrder;
const place = (order: Order) => ({ type: 'orders.PlaceOrder' as const, data: order });
const accepted = (order: Order): MarketEvent => ({ type: 'orders.OrderAccepted', data: { order } });
const awaiting = (order: Order): MarketEvent => ({
  type: 'orders.BidAwaitingFunds',
  data: { order, holdAmount: holdFor(order, spec.feeRateBps) },
});

const market = scenario(marketDecider);
const when = (given: MarketEvent[], command: Parameters<typeof marketDecider.decide>[0]) =>
  market.given(...given).when(command, { now: NOW });

describe('market decider', () => {
  it('opens a market once', () => {
    when([], { type: 'orders.OpenMarket', data: spec }).then([opened]);
    when([opened], { type: 'orders.OpenMarket', data: spec }).thenRejects('ALREADY_EXISTS');
  });

  it('refuses to open a closed market again, saying it never reopens and what to do instead', () => {
    const closed: MarketEvent = { type: 'orders.MarketClosed', data: { marketId: spec.marketId } };
    expect(
      when([opened, closed], { type: 'orders.OpenMarket', data: spec }).thenRejects(
        'ALREADY_EXISTS',
        'marketId',
      ).message,
    ).toBe(
      `market ${spec.marketId} already exists and is closed: a closed market never reopens, open one under another id`,
    );
    expect(
      when([opened], { type: 'orders.OpenMarket', data: spec }).thenRejects('ALREADY_EXISTS', 'marketId')
        .message,
    ).toBe(`market ${spec.marketId} already exists`);
  });

  describe('asks', () => {
    const given = [opened, recorded(node('n1'))];

    it('rests an ask of a certified node the provider owns', () => {
      when(given, place(ask('a1'))).then([accepted(ask('a1'))]);
    });

    it.each<[string, Order, MarketEvent[], RejectionCode, string]>([
      ['an unknown market', ask('a', { marketId: 'A100' }), [] as MarketEvent[], 'NOT_FOUND', 'marketId'],
      [
        'a closed market',
        ask('a'),
        [{ type: 'orders.MarketClosed', data: { marketId: 'H100' } } as MarketEvent],
        'MARKET_CLOSED',
        'marketId',
      ],
      ['a price off the tick', ask('a', { price: 2_000_001 }), [], 'BAD_USER_INPUT', 'price'],
      ['an unregistered node', ask('a', { nodeId: 'n9' }), [], 'NOT_FOUND', 'nodeId'],
      ['a node id only Object.prototype has', ask('a', { nodeId: 'constructor' }), [], 'NOT_FOUND', 'nodeId'],
      ["someone else's node", ask('a', { accountId: 'prov-2' }), [], 'FORBIDDEN', 'nodeId'],
      ['more GPUs than the node has free', ask('a', { gpus: 9 }), [], 'BAD_USER_INPUT', 'gpus'],
      [
        'a minimum per node (a bid’s)',
        ask('a', { minGpusPerNode: 1 }),
        [],
        'BAD_USER_INPUT',
        'minGpusPerNode',
      ],
    ])('refuses an ask on %s', (_what, order, extra, code, field) => {
      const base = order.marketId === 'A100' ? [] : [...given, ...extra];
      when(base, place(order)).thenRejects(code, field);
    });

    it.each([
      ['not certified', null],
      ['certified below the market minimum', 299],
    ])('refuses an ask on a node %s with NODE_NOT_CERTIFIED', (_what, tflops) => {
      when([opened, recorded(node('n1', { certifiedTflopsPerGpu: tflops }))], place(ask('a'))).thenRejects(
        'NODE_NOT_CERTIFIED',
      );
    });

    it('never offers more of a node than it has free: open asks and running leases count', () => {
      const state = [...given, accepted(ask('a1', { gpus: 6 }))];
      expect(when(state, place(ask('a2', { gpus: 3 }))).thenRejects('BAD_USER_INPUT').message).toBe(
        'node n1 has 2 of its 8 GPUs free to offer: 0 leased, 6 offered by your open asks',
      );
      expect(when(state, place(ask('a2', { gpus: 2 }))).kind).toBe('accepted');
      // One GPU is one GPU, not "1 GPUs".
      const one = [...given, accepted(ask('a1', { gpus: 7 }))];
      expect(when(one, place(ask('a2', { gpus: 2 }))).thenRejects('BAD_USER_INPUT').message).toBe(
        'node n1 has 1 of its 8 GPUs free to offer: 0 leased, 7 offered by your open asks',
      );
    });

    it('counts GPUs under a running lease as not free, until the lease ends', () => {
      const order = bid('b1', { gpus: 3 });
      const before = [...given, accepted(ask('a1', { gpus: 4 })), awaiting(order)];
      const trade = when(before, {
        type: 'orders.ConfirmBidFunds',
        data: { marketId: 'H100', orderId: 'b1' },
      });
      if (trade.kind !== 'accepted') throw new Error('expected a trade');
      const after = [...before, ...trade.events];
      // 8 GPUs: 3 leased for 10 hours, 1 still offered by a1.
      expect(when(after, place(ask('a2', { gpus: 5 })))).toMatchObject({
        kind: 'rejected',
        message: `node n1 has 4 of its 8 GPUs free to offer: 3 leased (the first ends at ${new Date(NOW.getTime() + 10 * 3_600_000).toISOString()}), 1 offered by your open asks`,
      });
      const later = market
        .given(...after)
        .when(place(ask('a2', { gpus: 7 })), { now: new Date(NOW.getTime() + 11 * 3_600_000) });
      expect(later.kind).toBe('accepted');
    });
  });

  describe('bids and their escrow', () => {
    const given = [opened, recorded(node('n1')), accepted(ask('a1'))];

    it('asks settlement to hold the worst-case cost before a bid can trade', () => {
      const order = bid('b1');
      const perGpuHour = 2_100_000 + feePerGpuHour(2_100_000, 250);
      when(given, place(order)).then([
        { type: 'orders.BidAwaitingFunds', data: { order, holdAmount: 2 * 10 * perGpuHour } },
      ]);
    });

    it('trades a funded bid at the ask price and releases the difference of its hold', () => {
      const order = bid('b1');
      const decision = when([...given, awaiting(order)], {
        type: 'orders.ConfirmBidFunds',
        data: { marketId: 'H100', orderId: 'b1' },
      });
      const value = 2 * 10 * 2_000_000;
      const fee = 2 * 10 * feePerGpuHour(2_000_000, 250);
      decision.then([
        accepted(order),
        {
          type: 'orders.TradeExecuted',
          data: {
            marketId: 'H100',
            tradeId: 'H100-t1',
            bidId: 'b1',
            askId: 'a1',
            buyerId: 'buyer-1',
            providerId: 'prov-1',
            nodeId: 'n1',
            price: 2_000_000,
            bidPrice: 2_100_000,
            askPrice: 2_000_000,
            gpus: 2,
            hours: 10,
            start: NOW.toISOString(),
            end: '2026-06-01T22:00:00.000Z',
            value,
            fee,
            holdReleased: holdFor(order, 250) - value - fee,
            // The funded bid came to the ask resting at 2.00: it took.
            takerSide: 'bid',
          },
        },
      ]);
    });

    it('cancels a bid whose hold was refused', () => {
      expect(
        when([...given, awaiting(bid('b1'))], {
          type: 'orders.RejectBidFunds',
          data: { marketId: 'H100', orderId: 'b1' },
        }),
      ).toMatchObject({
        kind: 'accepted',
        events: [
          {
            type: 'orders.OrderCancelled',
            data: { orderId: 'b1', reason: 'FUNDS_REJECTED', holdReleased: 0 },
          },
        ],
      });
    });

    it('releases at once a hold that arrives for a bid cancelled while waiting for it', () => {
      const order = bid('b1');
      const cancelledWhileWaiting: MarketEvent = {
        type: 'orders.OrderCancelled',
        data: {
          marketId: 'H100',
          orderId: 'b1',
          accountId: 'buyer-1',
          side: 'bid',
          price: 2_100_000,
          gpus: 2,
          reason: 'CANCELLED',
          holdReleased: 0,
          bookGpus: 0,
        },
      };
      expect(
        when([...given, awaiting(order), cancelledWhileWaiting], {
          type: 'orders.ConfirmBidFunds',
          data: { marketId: 'H100', orderId: 'b1' },
        }),
      ).toMatchObject({
        kind: 'accepted',
        events: [
          { type: 'orders.OrderCancelled', data: { orderId: 'b1', holdReleased: holdFor(order, 250) } },
        ],
      });
    });
  });

  describe('cancels', () => {
    const restingBid = bid('b1', { price: 1_000_000 });
    const given = [opened, awaiting(restingBid), accepted(restingBid)];

    it('cancels a resting bid and releases the rest of its hold', () => {
      expect(
        when(given, {
          type: 'orders.CancelOrder',
          data: { marketId: 'H100', orderId: 'b1', accountId: 'buyer-1' },
        }),
      ).toMatchObject({
        kind: 'accepted',
        events: [
          {
            type: 'orders.OrderCancelled',
            data: { gpus: 2, reason: 'CANCELLED', holdReleased: holdFor(restingBid, 250) },
          },
        ],
      });
    });

    it("refuses to cancel someone else's order, or one that is not open", () => {
      when(given, {
        type: 'orders.CancelOrder',
        data: { marketId: 'H100', orderId: 'b1', accountId: 'buyer-2' },
      }).thenRejects('FORBIDDEN', 'orderId');
      when(given, {
        type: 'orders.CancelOrder',
        data: { marketId: 'H100', orderId: 'nope', accountId: 'buyer-1' },
      }).thenRejects('NOT_FOUND', 'orderId');
      for (const orderId of ['constructor', 'toString', 'hasOwnProperty']) {
        when(given, {
          type: 'orders.CancelOrder',
          data: { marketId: 'H100', orderId, accountId: 'buyer-1' },
        }).thenRejects('NOT_FOUND', 'orderId');
      }
    });

    it('closing a market cancels every resting order', () => {
      expect(when(given, { type: 'orders.CloseMarket', data: { marketId: 'H100' } })).toMatchObject({
        kind: 'accepted',
        events: [
          { type: 'orders.MarketClosed' },
          { type: 'orders.OrderCancelled', data: { orderId: 'b1', reason: 'MARKET_CLOSED' } },
        ],
      });
    });
  });

  describe('a node that broke its promise', () => {
    it("cancels what its resting asks have left and breaches its running leases, and nothing of another node's", () => {
      const before = [
        opened,
        recorded(node('n1')),
        recorded(node('n2')),
        accepted(ask('a1', { gpus: 4 })),
        accepted(ask('a2', { nodeId: 'n2', gpus: 2 })),
        accepted(ask('a3', { gpus: 2, price: 2_050_000 })),
        awaiting(bid('b1', { gpus: 3 })),
      ];
      const trade = when(before, {
        type: 'orders.ConfirmBidFunds',
        data: { marketId: 'H100', orderId: 'b1' },
      });
      if (trade.kind !== 'accepted') throw new Error('expected a trade');
      const after = [...before, ...trade.events];
      const at = NOW.toISOString();
      const suspend = { marketId: 'H100', nodeId: 'n1', reason: 'NODE_LOST' as const, at };
      const decision = when(after, { type: 'orders.SuspendNode', data: suspend });
      expect(decision).toMatchObject({
        kind: 'accepted',
        events: [
          { type: 'orders.NodeSuspended', data: suspend },
          { type: 'orders.OrderCancelled', data: { orderId: 'a1', gpus: 1, reason: 'NODE_SUSPENDED' } },
          { type: 'orders.OrderCancelled', data: { orderId: 'a3', gpus: 2, reason: 'NODE_SUSPENDED' } },
          {
            type: 'orders.LeaseBreached',
            data: { leaseId: 'H100-t1', buyerId: 'buyer-1', nodeId: 'n1', reason: 'NODE_LOST', at },
          },
        ],
      });
      if (decision.kind !== 'accepted') throw new Error('expected a suspension');
      expect(decision.events).toHaveLength(4);
      const suspended = market.given(...after, ...decision.events).state;
      expect(suspended.book.asksOn('n1')).toEqual([]);
      expect(suspended.book.asksOn('n2')).toEqual(['a2']);
      expect(suspended.book.offeredOn('n2')).toBe(2);
    });
  });

  it('snapshots to JSON and revives into a state that decides the same', () => {
    const given = [
      opened,
      recorded(node('n1')),
      accepted(ask('a1')),
      accepted(ask('a2', { price: 2_050_000, gpus: 2 })),
    ];
    const live = market.given(...given).state;
    const revived = reviveMarket(JSON.parse(JSON.stringify(live)));
    const order = bid('b9', { gpus: 5 });
    const confirm = { type: 'orders.ConfirmBidFunds' as const, data: { marketId: 'H100', orderId: 'b9' } };
    const withFunds = (s: typeof live) => marketDecider.evolve(s, awaiting(order));
    expect(marketDecider.decide(confirm, withFunds(revived), { now: NOW })).toEqual(
      marketDecider.decide(confirm, withFunds(live), { now: NOW }),
    );
  });

  describe('certification expiry', () => {
    const certifiedUntil = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

    it.each([
      ['expired an hour ago', -3_600_000],
      ['expires at this very moment', 0],
    ])('refuses an ask on a node whose certification %s with NODE_NOT_CERTIFIED', (_what, offset) => {
      const given = [opened, recorded(node('n1', { certifiedUntil: certifiedUntil(offset) }))];
      expect(when(given, place(ask('a'))).thenRejects('NODE_NOT_CERTIFIED', 'nodeId').message).toBe(
        `the certification of node n1 expired at ${certifiedUntil(offset)}`,
      );
    });

    it('accepts an ask while the certification is valid, and refuses it once a recertification is past', () => {
      const valid = [opened, recorded(node('n1', { certifiedUntil: certifiedUntil(1) }))];
      when(valid, place(ask('a'))).then([accepted(ask('a'))]);
      // The latest record of the node counts: an expired certification replaces a valid one.
      when(
        [...valid, recorded(node('n1', { certifiedUntil: certifiedUntil(-1) }))],
        place(ask('a')),
      ).thenRejects('NODE_NOT_CERTIFIED');
    });
  });

  describe('the length of a GPU-hour', () => {
    it("ends a trade's lease hours × hourMs after it starts", () => {
      const hourMs = 1_000;
      const decider = createMarketDecider(hourMs);
      const order = bid('b1', { hours: 3 });
      const decision = scenario(decider)
        .given(opened, recorded(node('n1')), accepted(ask('a1')), awaiting(order))
        .when({ type: 'orders.ConfirmBidFunds', data: { marketId: 'H100', orderId: 'b1' } }, { now: NOW });
      expect(decision).toMatchObject({
        kind: 'accepted',
        events: [
          accepted(order),
          {
            type: 'orders.TradeExecuted',
            data: {
              hours: 3,
              start: NOW.toISOString(),
              end: new Date(NOW.getTime() + 3 * hourMs).toISOString(),
            },
          },
        ],
      });
    });

    it("frees a node's GPUs when its lease ends on that clock", () => {
      const hourMs = 1_000;
      const decider = createMarketDecider(hourMs);
      const order = bid('b1', { gpus: 8, hours: 2 });
      const before = [opened, recorded(node('n1')), accepted(ask('a1', { gpus: 8 })), awaiting(order)];
      const trade = scenario(decider)
        .given(...before)
        .when({ type: 'orders.ConfirmBidFunds', data: { marketId: 'H100', orderId: 'b1' } }, { now: NOW });
      if (trade.kind !== 'accepted') throw new Error('expected a trade');
      const after = scenario(decider).given(...before, ...trade.events);
      expect(
        after.when(place(ask('a2', { gpus: 8 })), { now: new Date(NOW.getTime() + 2 * hourMs - 1) }),
      ).toMatchObject({
        kind: 'rejected',
        message: `node n1 has 0 of its 8 GPUs free to offer: 8 leased (the first ends at ${new Date(NOW.getTime() + 2 * hourMs).toISOString()}), 0 offered by your open asks`,
      });
      expect(
        after.when(place(ask('a2', { gpus: 8 })), { now: new Date(NOW.getTime() + 2 * hourMs) }).kind,
      ).toBe('accepted');
    });
  });

  describe('the book follows the log, not the engine', () => {
    const given = [
      opened,
      recorded(node('n1')),
      recorded(node('n2', { providerId: 'prov-2' })),
      accepted(ask('a1')),
      accepted(ask('a2', { price: 2_050_000, nodeId: 'n2', accountId: 'prov-2' })),
    ];
    const traded = (bidId: string, askId: string, gpus: number, price: number): MarketEvent => ({
      type: 'orders.TradeExecuted',
      data: {
        marketId: 'H100',
        tradeId: `H100-t-${bidId}-${askId}`,
        bidId,
        askId,
        buyerId: 'buyer-1',
        providerId: 'prov-2',
        nodeId: 'n2',
        price,
        bidPrice: 2_100_000,
        askPrice: price,
        gpus,
        hours: 10,
        start: NOW.toISOString(),
        end: '2026-06-01T22:00:00.000Z',
        value: gpus * 10 * price,
        fee: 0,
        holdReleased: 0,
      },
    });

    it("fills the orders a recorded trade names, even where today's engine would have matched others", () => {
      // Recorded (say by an earlier engine): b1 traded 1 GPU with a2 and its remainder was cancelled.
      // Today's engine would fill both GPUs from a1, the better price.
      const order = bid('b1', { timeInForce: 'IOC' });
      const remainder: MarketEvent = {
        type: 'orders.OrderCancelled',
        data: {
          marketId: 'H100',
          orderId: 'b1',
          accountId: 'buyer-1',
          side: 'bid',
          price: 2_100_000,
          gpus: 1,
          reason: 'IOC_REMAINDER',
          holdReleased: 0,
          bookGpus: 1,
        },
      };
      const { state } = market.given(
        ...given,
        awaiting(order),
        accepted(order),
        traded('b1', 'a2', 1, 2_050_000),
        remainder,
      );
      expect(state.book.remaining('a1')).toBe(4);
      expect(state.book.remaining('a2')).toBe(3);
      expect(state.book.has('b1')).toBe(false);
      expect(Object.keys(state.orders).sort()).toEqual(['a1', 'a2']);
      expect(state.trades).toBe(1);
    });

    it('takes an order filled completely by its trades out of the book and the open orders', () => {
      const order = bid('b1', { gpus: 4 });
      const { state } = market.given(
        ...given,
        awaiting(order),
        accepted(order),
        traded('b1', 'a1', 4, 2_000_000),
      );
      expect(state.book.has('a1')).toBe(false);
      expect(state.book.has('b1')).toBe(false);
      expect(Object.keys(state.orders)).toEqual(['a2']);
      expect(state.book.depth()).toEqual({ bids: [], asks: [{ price: 2_050_000, quantity: 4, orders: 1 }] });
    });

    it('ends with the book the engine would have built: same orders, quantities, priority and depth', () => {
      const engineInput = engineOrder;
      const orderArb = fc.record({
        side: fc.constantFrom('bid' as const, 'ask' as const),
        who: fc.integer({ min: 0, max: 2 }),
        ticks: fc.integer({ min: 195, max: 205 }),
        gpus: fc.integer({ min: 1, max: 6 }),
        hours: fc.integer({ min: 1, max: 12 }),
        min: fc.integer({ min: 1, max: 3 }),
        tif: fc.constantFrom('GTC' as const, 'GTC' as const, 'IOC' as const, 'FOK' as const),
        cancel: fc.boolean(),
      });
      fc.assert(
        fc.property(fc.array(orderArb, { minLength: 1, maxLength: 40 }), (ops) => {
          const nodes = [
            recorded(node('n1', { gpus: 64 })),
            recorded(node('n2', { providerId: 'prov-2', gpus: 64 })),
            recorded(node('n3', { providerId: 'buyer-1', gpus: 64 })),
          ];
          let state = market.given(opened, ...nodes).state;
          const reference = new OrderBook();
          const apply = (events: MarketEvent[]) => {
            for (const e of events) state = marketDecider.evolve(state, e);
          };
          ops.forEach((op, i) => {
            const orderId = `o${i}`;
            const common = {
              marketId: 'H100',
              orderId,
              price: op.ticks * 10_000,
              gpus: op.gpus,
              hours: op.hours,
              timeInForce: op.tif,
            };
            // Owners overlap across sides (buyer-1 also sells on n3), so self-trades happen too.
            const order: Order =
              op.side === 'ask'
                ? {
                    ...common,
                    side: 'ask',
                    accountId: ['prov-1', 'prov-2', 'buyer-1'][op.who]!,
                    nodeId: ['n1', 'n2', 'n3'][op.who]!,
                    hours: op.hours + 6,
                  }
                : {
                    ...common,
                    side: 'bid',
                    accountId: ['buyer-1', 'buyer-2', 'prov-1'][op.who]!,
                    minGpusPerNode: Math.min(op.min, op.gpus),
                  };
            const placed = marketDecider.decide(place(order), state, { now: NOW });
            if (placed.kind !== 'accepted') return;
            apply(placed.events);
            const entered =
              order.side === 'bid'
                ? marketDecider.decide(
                    { type: 'orders.ConfirmBidFunds', data: { marketId: 'H100', orderId } },
                    state,
                    { now: NOW },
                  )
                : placed;
            if (entered.kind !== 'accepted') throw new Error('a funded bid is entered');
            if (order.side === 'bid') apply(entered.events);
            const result = reference.place(engineInput(order));
            const trades = entered.events
              .filter((e) => e.type === 'orders.TradeExecuted')
              .map((e) => [e.data.bidId, e.data.askId, e.data.gpus]);
            expect(trades).toEqual(result.fills.map((f) => [f.bidId, f.askId, f.quantity]));
            if (op.cancel && i > 0) {
              const target = `o${i - 1}`;
              const owner = state.orders[target]?.accountId;
              if (owner) {
                const cancel = marketDecider.decide(
                  {
                    type: 'orders.CancelOrder',
                    data: { marketId: 'H100', orderId: target, accountId: owner },
                  },
                  state,
                  { now: NOW },
                );
                if (cancel.kind === 'accepted') apply(cancel.events);
                reference.cancel(target);
              }
            }
          });
          const resting = (b: OrderBook) =>
            [...b.orders()].sort((x, y) => x.seq - y.seq).map((o) => [o.id, o.remaining]);
          expect(resting(state.book)).toEqual(resting(reference));
          expect(state.book.depth(100)).toEqual(reference.depth(100));
          expect(Object.keys(state.orders).sort()).toEqual(
            reference
              .orders()
              .map((o) => o.id)
              .sort(),
          );
        }),
        { numRuns: 200 },
      );
    });
  });
});
