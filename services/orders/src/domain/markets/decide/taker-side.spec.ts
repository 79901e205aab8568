import { holdFor, ordersMessages, OrdersEvents, type Order } from '@gpux/contracts';
import { fold, scenario } from '@gpux/eventsourcing/domain';
import { MarketEvent, marketDecider } from '../market.decider';
import { askOrder, bidOrder, h100, nodeRecord } from '../market.fixture';

// Each TradeExecuted records the side of the order that came to the book (the taker): the order
// the decision is about. The one it traded with rested (the maker), and the trade is at its limit,
// so where both limits are the trade's price only this field tells which order rested.

const NOW = new Date('2026-06-01T12:00:00.000Z');
const market = scenario(marketDecider);
const opened: MarketEvent = { type: 'orders.MarketOpened', data: h100 };
const recorded = (nodeId: string): MarketEvent => ({
  type: 'orders.NodeRecorded',
  data: nodeRecord({ nodeId }),
});
const accepted = (order: Order): MarketEvent => ({ type: 'orders.OrderAccepted', data: { order } });
/** A bid settlement has funded, or an ask: placed, it enters the book at once. */
const place = (order: Order) => ({
  type: 'orders.PlaceOrder' as const,
  data: order.side === 'bid' ? { ...order, heldAmount: holdFor(order, h100.feeRateBps) } : order,
});

/** The trades of a decision: which orders, at what price, and which side took. */
function tradesOf(given: MarketEvent[], order: Order) {
  const decision = market.given(...given).when(place(order), { now: NOW });
  if (decision.kind !== 'accepted')
    throw new Error(`expected the order accepted: ${JSON.stringify(decision)}`);
  // What evolve folds from the events is the same with the field: the decision applies.
  fold(marketDecider, [...given, ...decision.events]);
  return decision.events.flatMap((e) =>
    e.type === 'orders.TradeExecuted'
      ? [{ bidId: e.data.bidId, askId: e.data.askId, price: e.data.price, takerSide: e.data.takerSide }]
      : [],
  );
}

describe('the side that took, as each trade records it', () => {
  it('records a bid that came to a resting ask as the taker, where both limits are the trade price', () => {
    const a1 = askOrder('a1', { price: 2_000_000 });
    const b1 = bidOrder('b1', { price: 2_000_000 });
    expect(tradesOf([opened, recorded('n1'), accepted(a1)], b1)).toEqual([
      { bidId: 'b1', askId: 'a1', price: 2_000_000, takerSide: 'bid' },
    ]);
  });

  it('records an ask that came to a resting bid as the taker, where both limits are the trade price', () => {
    const b1 = bidOrder('b1', { price: 2_000_000 });
    const a1 = askOrder('a1', { price: 2_000_000 });
    expect(tradesOf([opened, recorded('n1'), accepted(b1)], a1)).toEqual([
      { bidId: 'b1', askId: 'a1', price: 2_000_000, takerSide: 'ask' },
    ]);
  });

  it('records the sweeping order as the taker of every trade of its sweep, at each maker price', () => {
    // A bid for 6 GPUs at 2.10 takes three resting asks of 2 GPUs, the best first.
    const asks = [
      askOrder('a1', { nodeId: 'n1', gpus: 2, price: 2_000_000 }),
      askOrder('a2', { nodeId: 'n2', gpus: 2, price: 2_050_000 }),
      askOrder('a3', { nodeId: 'n3', gpus: 2, price: 2_100_000 }),
    ];
    const nodes = [recorded('n1'), recorded('n2'), recorded('n3')];
    expect(
      tradesOf([opened, ...nodes, ...asks.map(accepted)], bidOrder('b1', { gpus: 6, price: 2_100_000 })),
    ).toEqual([
      { bidId: 'b1', askId: 'a1', price: 2_000_000, takerSide: 'bid' },
      { bidId: 'b1', askId: 'a2', price: 2_050_000, takerSide: 'bid' },
      { bidId: 'b1', askId: 'a3', price: 2_100_000, takerSide: 'bid' },
    ]);
    // An ask for 4 GPUs at 2.00 takes two resting bids of 2 GPUs, the highest first.
    const bids = [
      bidOrder('b1', { price: 2_000_000 }),
      bidOrder('b2', { price: 2_100_000, accountId: 'buyer-2' }),
    ];
    expect(
      tradesOf(
        [opened, recorded('n1'), ...bids.map(accepted)],
        askOrder('a1', { gpus: 4, price: 2_000_000 }),
      ),
    ).toEqual([
      { bidId: 'b2', askId: 'a1', price: 2_100_000, takerSide: 'ask' },
      { bidId: 'b1', askId: 'a1', price: 2_000_000, takerSide: 'ask' },
    ]);
  });

  it('writes it in TradeExecuted (v2 on), which the registry validates and reads back', () => {
    const a1 = askOrder('a1', { price: 2_000_000 });
    const decision = market
      .given(opened, recorded('n1'), accepted(a1))
      .when(place(bidOrder('b1', { price: 2_000_000 })), { now: NOW });
    if (decision.kind !== 'accepted') throw new Error('expected a trade');
    const event = decision.events.find((e) => e.type === 'orders.TradeExecuted')!;
    const wire = ordersMessages.encode({
      id: 'evt-1',
      type: event.type,
      source: 'orders',
      subject: 'H100',
      time: NOW.toISOString(),
      schemaVersion: OrdersEvents.tradeExecuted.currentVersion,
      correlationId: 'cmd-1',
      causationId: 'cmd-1',
      data: event.data,
    });
    expect(ordersMessages.decode(wire)).toMatchObject({
      schemaVersion: OrdersEvents.tradeExecuted.currentVersion,
      data: { takerSide: 'bid' },
    });
  });
});
