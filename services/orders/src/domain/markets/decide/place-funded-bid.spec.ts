import { feePerGpuHour, holdFor, type NodeRecord, type Order, type RejectionCode } from '@gpux/contracts';
import { scenario } from '@gpux/eventsourcing/domain';
import { MarketEvent, marketDecider } from '../market.decider';
import { askOrder, bidOrder, h100, nodeRecord } from '../market.fixture';

// A bid settlement funded before the market saw it (PlaceOrder with heldAmount): same rules as any
// bid; a refusal is recorded so that its hold is released; what it trades is what a bid confirmed
// by ConfirmBidFunds trades.

const NOW = new Date('2026-06-01T12:00:00.000Z');
const opened: MarketEvent = { type: 'orders.MarketOpened', data: h100 };
const recorded = (n: NodeRecord): MarketEvent => ({ type: 'orders.NodeRecorded', data: n });
const accepted = (order: Order): MarketEvent => ({ type: 'orders.OrderAccepted', data: { order } });
const awaiting = (order: Order): MarketEvent => ({
  type: 'orders.BidAwaitingFunds',
  data: { order, holdAmount: holdFor(order, h100.feeRateBps) },
});
const funded = (order: Order, heldAmount = holdFor(order, h100.feeRateBps)) => ({
  type: 'orders.PlaceOrder' as const,
  data: { ...order, heldAmount },
});
const refused = (order: Order, heldAmount: number, code: RejectionCode, message: string, field?: string) => ({
  type: 'orders.FundedBidRefused' as const,
  data: { order, heldAmount, code, message, ...(field ? { field } : {}) },
});

const market = scenario(marketDecider);
const when = (given: MarketEvent[], command: Parameters<typeof marketDecider.decide>[0]) =>
  market.given(...given).when(command, { now: NOW });

describe('a funded bid placed', () => {
  const given = [opened, recorded(nodeRecord()), accepted(askOrder('a1'))];

  it('trades exactly as the same bid confirmed by ConfirmBidFunds does', () => {
    const order = bidOrder('b1');
    const confirmed = when([...given, awaiting(order)], {
      type: 'orders.ConfirmBidFunds',
      data: { marketId: 'H100', orderId: 'b1' },
    });
    const placed = when(given, funded(order));
    if (confirmed.kind !== 'accepted' || placed.kind !== 'accepted') throw new Error('not accepted');
    // Only the acceptance says more: what was held, and that none of it is surplus.
    expect(placed.events[0]).toEqual({
      type: 'orders.OrderAccepted',
      data: { order, heldAmount: holdFor(order, 250), holdReleased: 0 },
    });
    expect(placed.events.slice(1)).toEqual(confirmed.events.slice(1));
    expect(placed.events.map((e) => e.type)).toEqual(['orders.OrderAccepted', 'orders.TradeExecuted']);
    const value = 2 * 10 * 2_000_000;
    const fee = 2 * 10 * feePerGpuHour(2_000_000, 250);
    expect(placed.events[1]).toMatchObject({ data: { holdReleased: holdFor(order, 250) - value - fee } });
  });

  it('rests what does not trade, and cancels an IOC remainder with its share of the hold', () => {
    const resting = bidOrder('b1', { price: 1_000_000 });
    when(given, funded(resting)).then([
      {
        type: 'orders.OrderAccepted',
        data: { order: resting, heldAmount: holdFor(resting, 250), holdReleased: 0 },
      },
    ]);
    const ioc = bidOrder('b2', { gpus: 6, timeInForce: 'IOC' });
    const decision = when(given, funded(ioc));
    expect(decision).toMatchObject({
      kind: 'accepted',
      events: [
        { type: 'orders.OrderAccepted' },
        { type: 'orders.TradeExecuted', data: { gpus: 4 } },
        {
          type: 'orders.OrderCancelled',
          data: { orderId: 'b2', gpus: 2, reason: 'IOC_REMAINDER', holdReleased: holdFor(ioc, 250, 2) },
        },
      ],
    });
  });

  it.each<[string, Order, MarketEvent[], RejectionCode, string, string]>([
    [
      'an unknown market',
      bidOrder('b', { marketId: 'A100' }),
      [],
      'NOT_FOUND',
      'marketId',
      'market A100 does not exist',
    ],
    [
      'a closed market',
      bidOrder('b'),
      [{ type: 'orders.MarketClosed', data: { marketId: 'H100' } }],
      'MARKET_CLOSED',
      'marketId',
      'market H100 is closed and never reopens, so it takes no orders: list the markets with the markets query (each says its status) and pick an OPEN one',
    ],
    [
      'a price off the tick',
      bidOrder('b', { price: 2_000_001 }),
      [],
      'BAD_USER_INPUT',
      'price',
      "price 2.000001 is not a multiple of the market's tick size, 0.010000: use 2.000000 or 2.010000",
    ],
    [
      'a bid naming a node',
      bidOrder('b', { nodeId: 'n1' }),
      [],
      'BAD_USER_INPUT',
      'nodeId',
      'a bid names no node',
    ],
    [
      'a minimum per node above its GPUs',
      bidOrder('b', { minGpusPerNode: 3 }),
      [],
      'BAD_USER_INPUT',
      'minGpusPerNode',
      'minGpusPerNode cannot exceed gpus',
    ],
  ])(
    'refuses a bid in %s, as PlaceOrder is rejected, and records it to release its whole hold',
    (_, order, more, code, field, message) => {
      const heldAmount = holdFor({ ...order, price: 2_000_000 }, 250);
      // An unknown market is one no event has touched.
      const base = order.marketId === 'A100' ? [] : [...given, ...more];
      when(base, funded(order, heldAmount)).then([refused(order, heldAmount, code, message, field)]);
      // Without heldAmount the same bid is rejected with the same code, message and field.
      expect(when(base, { type: 'orders.PlaceOrder', data: order })).toEqual({
        kind: 'rejected',
        code,
        message,
        field,
      });
    },
  );

  it('refuses a second order with an id the market has, releasing only the hold placed for this one', () => {
    const first = bidOrder('b1', { price: 1_000_000 });
    const again = bidOrder('b1', { price: 1_500_000 });
    const heldAmount = holdFor(again, 250);
    for (const before of [accepted(first), awaiting(first)])
      when([...given, before], funded(again)).then([
        refused(again, heldAmount, 'ALREADY_EXISTS', 'order b1 already exists', 'orderId'),
      ]);
  });

  it("refuses a hold short of the bid's worst case at the market's fee (the fee changed since it was read)", () => {
    const order = bidOrder('b1');
    const heldAmount = holdFor(order, 100);
    when(given, funded(order, heldAmount)).then([
      refused(
        order,
        heldAmount,
        'BAD_USER_INPUT',
        'market H100 now holds 43.050000 for this bid (fee 250 bps), 42.420000 was held: place it again',
        'marketId',
      ),
    ]);
  });

  it('releases what was held above the worst case as it enters the book; trades release as before', () => {
    const order = bidOrder('b1');
    const heldAmount = holdFor(order, 400);
    const placed = when(given, funded(order, heldAmount));
    const exact = when(given, funded(order));
    expect(placed).toMatchObject({
      kind: 'accepted',
      events: [
        {
          type: 'orders.OrderAccepted',
          data: { order, heldAmount, holdReleased: heldAmount - holdFor(order, 250) },
        },
        { type: 'orders.TradeExecuted' },
      ],
    });
    if (placed.kind !== 'accepted' || exact.kind !== 'accepted') throw new Error('not accepted');
    expect(placed.events.slice(1)).toEqual(exact.events.slice(1));
  });

  it('gives back the hold of an ask sent as funded: only a bid is funded before it is placed', () => {
    const order = askOrder('a2');
    when(given, funded(order, 1_000)).then([
      refused(order, 1_000, 'BAD_USER_INPUT', 'only a bid is funded before it is placed', 'side'),
    ]);
  });

  it('leaves the market as it was after a refusal: the order is not in the book, its id still free', () => {
    const order = bidOrder('b1', { price: 2_000_001 });
    const after = market.given(...given, refused(order, 1, 'BAD_USER_INPUT', 'off tick', 'price'));
    expect(after.state.orders['b1']).toBeUndefined();
    expect(after.state.book.has('b1')).toBe(false);
  });
});
