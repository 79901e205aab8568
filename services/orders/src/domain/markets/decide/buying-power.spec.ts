import { holdFor, type NodeRecord, type Order } from '@gpux/contracts';
import { scenario } from '@gpux/eventsourcing/domain';
import { MarketCommand, MarketEvent, marketDecider, MarketState } from '../market.decider';
import { askOrder, bidOrder, h100, nodeRecord } from '../market.fixture';
import { powerOf } from '../rules/buying-power';

// Buying power (docs/event-flows.md, "Buying power"): settlement set it aside for an account's bids
// in the market; the market spends it on them without asking, and what they release returns to it.

const NOW = new Date('2026-06-01T12:00:00.000Z');
const opened: MarketEvent = { type: 'orders.MarketOpened', data: h100 };
const closed: MarketEvent = { type: 'orders.MarketClosed', data: { marketId: 'H100' } };
const recorded = (n: NodeRecord): MarketEvent => ({ type: 'orders.NodeRecorded', data: n });
const accepted = (order: Order): MarketEvent => ({ type: 'orders.OrderAccepted', data: { order } });
const granted = (amount: number, accountId = 'buyer-1'): MarketEvent => ({
  type: 'orders.BuyingPowerGranted',
  data: { marketId: 'H100', accountId, amount },
});
const onPower = (order: Order): MarketEvent => ({
  type: 'orders.OrderAccepted',
  data: { order, powerUsed: holdFor(order, h100.feeRateBps) },
});
const grant = (amount: number, marketId = 'H100') => ({
  type: 'orders.GrantBuyingPower' as const,
  data: { marketId, accountId: 'buyer-1', amount },
});
const release = (amount?: number) => ({
  type: 'orders.ReleaseBuyingPower' as const,
  data: { marketId: 'H100', accountId: 'buyer-1', ...(amount === undefined ? {} : { amount }) },
});
const place = (order: Order) => ({ type: 'orders.PlaceOrder' as const, data: order });
const placeOnPower = (order: Order) => ({
  type: 'orders.PlaceOrder' as const,
  data: { ...order, fromPower: true as const },
});

const market = scenario(marketDecider);
const when = (given: MarketEvent[], command: MarketCommand) =>
  market.given(...given).when(command, { now: NOW });

const bid = bidOrder('b1');
const bidHold = holdFor(bid, h100.feeRateBps);

describe('granting buying power', () => {
  it('an open market takes it', () => {
    when([opened], grant(5_000_000)).then([granted(5_000_000)]);
  });

  it.each([
    ['closed', [opened, closed], 'MARKET_CLOSED'],
    ['not there', [], 'NOT_FOUND'],
  ] as const)(
    'a market %s refuses it, as an event (so that the whole amount goes back)',
    (_, given, code) => {
      expect(when([...given], grant(5_000_000))).toMatchObject({
        kind: 'accepted',
        events: [
          {
            type: 'orders.BuyingPowerRefused',
            data: { marketId: 'H100', accountId: 'buyer-1', amount: 5_000_000, code, field: 'marketId' },
          },
        ],
      });
    },
  );
});

describe('a bid on buying power', () => {
  const book = [opened, recorded(nodeRecord()), accepted(askOrder('a1'))];

  it('enters the book at once when its worst case is covered, and trades from the buying power', () => {
    const decision = when([...book, granted(bidHold)], placeOnPower(bid));
    expect(decision).toMatchObject({
      kind: 'accepted',
      events: [
        { type: 'orders.OrderAccepted', data: { order: bid, powerUsed: bidHold } },
        { type: 'orders.TradeExecuted', data: { bidId: 'b1', fromPower: true } },
      ],
    });
  });

  it('is refused when the buying power does not cover its worst case, saying what there is', () => {
    const refusal = when([...book, granted(bidHold - 1)], placeOnPower(bid)).thenRejects(
      'INSUFFICIENT_FUNDS',
      'price',
    );
    expect(refusal).toMatchObject({ available: bidHold - 1 });
    expect(refusal.message).toContain('allotBuyingPower');
    // Another account's buying power is not this one's.
    expect(when([...book, granted(bidHold, 'buyer-2')], placeOnPower(bid))).toMatchObject({
      kind: 'rejected',
      code: 'INSUFFICIENT_FUNDS',
      available: 0,
    });
  });

  it('is refused by the rules of any order, and an ask is never funded by it', () => {
    when([opened, closed, granted(bidHold)], placeOnPower(bid)).thenRejects('MARKET_CLOSED', 'marketId');
    when([...book, granted(bidHold)], placeOnPower(bidOrder('b1', { price: 2_100_001 }))).thenRejects(
      'BAD_USER_INPUT',
      'price',
    );
    when([...book, granted(bidHold)], placeOnPower(askOrder('a2'))).thenRejects('BAD_USER_INPUT', 'funding');
  });

  it('a bid placed without it never touches the buying power: it asks settlement for its hold', () => {
    when([...book, granted(bidHold)], place(bid)).then([
      { type: 'orders.BidAwaitingFunds', data: { order: bid, holdAmount: bidHold } },
    ]);
  });

  it('gets back what a trade below its limit does not cost', () => {
    const given = market.given(...book, granted(bidHold));
    const decision = given.when(placeOnPower(bid), { now: NOW });
    if (decision.kind !== 'accepted') throw new Error('not accepted');
    const trade = decision.events[1] as Extract<MarketEvent, { type: 'orders.TradeExecuted' }>;
    expect(trade.data.holdReleased).toBeGreaterThan(0);
    const after = marketDecider.evolve(marketDecider.evolve(given.state, decision.events[0]!), trade);
    expect(powerOf(after, 'buyer-1')).toBe(trade.data.holdReleased);
  });

  it('rests on it, and an ask that reaches it later trades from it', () => {
    const resting = bidOrder('b1', { price: 1_000_000 });
    const given = [opened, recorded(nodeRecord()), granted(holdFor(resting, 250)), onPower(resting)];
    expect(when(given, place(askOrder('a2', { price: 1_000_000 })))).toMatchObject({
      kind: 'accepted',
      events: [
        { type: 'orders.OrderAccepted' },
        { type: 'orders.TradeExecuted', data: { bidId: 'b1', holdReleased: 0, fromPower: true } },
      ],
    });
  });

  it('cancelled, returns what it held to the buying power, and settlement is asked for nothing', () => {
    const resting = bidOrder('b1', { price: 1_000_000 });
    const given = market.given(opened, granted(holdFor(resting, 250) + 7), onPower(resting));
    expect(powerOf(given.state, 'buyer-1')).toBe(7);
    const decision = given.when(
      { type: 'orders.CancelOrder', data: { marketId: 'H100', orderId: 'b1', accountId: 'buyer-1' } },
      { now: NOW },
    );
    expect(decision).toMatchObject({
      kind: 'accepted',
      events: [
        { type: 'orders.OrderCancelled', data: { holdReleased: holdFor(resting, 250), fromPower: true } },
      ],
    });
    if (decision.kind !== 'accepted') throw new Error('not accepted');
    const after = marketDecider.evolve(given.state, decision.events[0]!);
    expect(powerOf(after, 'buyer-1')).toBe(holdFor(resting, 250) + 7);
    expect(after.powerBids).toEqual({});
  });

  it('an IOC remainder returns its share to the buying power', () => {
    const ioc = bidOrder('b2', { gpus: 6, timeInForce: 'IOC' });
    expect(when([...book, granted(holdFor(ioc, 250))], placeOnPower(ioc))).toMatchObject({
      kind: 'accepted',
      events: [
        { type: 'orders.OrderAccepted', data: { powerUsed: holdFor(ioc, 250) } },
        { type: 'orders.TradeExecuted', data: { gpus: 4, fromPower: true } },
        {
          type: 'orders.OrderCancelled',
          data: { reason: 'IOC_REMAINDER', holdReleased: holdFor(ioc, 250, 2), fromPower: true },
        },
      ],
    });
  });
});

describe('releasing buying power', () => {
  it('gives back what the account asks for, or all of it', () => {
    when([opened, granted(900)], release(300)).then([
      {
        type: 'orders.BuyingPowerReturned',
        data: { marketId: 'H100', accountId: 'buyer-1', amount: 300, reason: 'RELEASED' },
      },
    ]);
    when([opened, granted(900)], release()).then([
      {
        type: 'orders.BuyingPowerReturned',
        data: { marketId: 'H100', accountId: 'buyer-1', amount: 900, reason: 'RELEASED' },
      },
    ]);
  });

  it('refuses more than the bids leave, saying how much is there', () => {
    const resting = bidOrder('b1', { price: 1_000_000 });
    const refusal = when(
      [opened, granted(holdFor(resting, 250) + 900), onPower(resting)],
      release(901),
    ).thenRejects('INSUFFICIENT_FUNDS', 'amount');
    expect(refusal).toMatchObject({ available: 900 });
    when([opened], release()).thenRejects('BAD_USER_INPUT', 'marketId');
    when([], release()).thenRejects('NOT_FOUND', 'marketId');
  });

  it('a market closing gives every account its buying power back, with what its bids held', () => {
    const resting = bidOrder('b1', { price: 1_000_000 });
    const decision = when(
      [opened, granted(holdFor(resting, 250) + 900), onPower(resting), granted(50, 'buyer-2')],
      { type: 'orders.CloseMarket', data: { marketId: 'H100' } },
    );
    expect(decision).toMatchObject({
      kind: 'accepted',
      events: [
        { type: 'orders.MarketClosed' },
        { type: 'orders.OrderCancelled', data: { orderId: 'b1', reason: 'MARKET_CLOSED', fromPower: true } },
        {
          type: 'orders.BuyingPowerReturned',
          data: { accountId: 'buyer-1', amount: holdFor(resting, 250) + 900, reason: 'MARKET_CLOSED' },
        },
        {
          type: 'orders.BuyingPowerReturned',
          data: { accountId: 'buyer-2', amount: 50, reason: 'MARKET_CLOSED' },
        },
      ],
    });
  });
});

describe('the buying-power invariant, over a long run of orders', () => {
  // Settlement's hold for an account's buying power = granted − returned − what its trades moved
  // to lease escrow; the market's record of it = its buying power + what its resting bids on it
  // hold. The two must be equal after every decision, and neither ever below zero.
  it('holds after every event of a seeded random run', () => {
    // mulberry32: a small seeded generator, so a failure replays.
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n);
    };
    let state: MarketState = marketDecider.initialState();
    const hold = new Map<string, number>();
    const buyers = ['buyer-1', 'buyer-2', 'buyer-3'];
    const seen = new Map<string, number>();
    // Ten minutes a step: leases of one to six hours end, and their nodes sell again.
    let clock = NOW.getTime();
    const apply = (command: MarketCommand) => {
      const decision = marketDecider.decide(command, state, { now: new Date(clock) });
      if (decision.kind !== 'accepted') return;
      for (const event of decision.events) {
        state = marketDecider.evolve(state, event);
        const kind = `${event.type}${'fromPower' in event.data || 'powerUsed' in event.data ? ' on power' : ''}`;
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
        if (event.type === 'orders.BuyingPowerGranted')
          hold.set(event.data.accountId, (hold.get(event.data.accountId) ?? 0) + event.data.amount);
        if (event.type === 'orders.BuyingPowerReturned')
          hold.set(event.data.accountId, (hold.get(event.data.accountId) ?? 0) - event.data.amount);
        if (event.type === 'orders.TradeExecuted' && event.data.fromPower)
          hold.set(
            event.data.buyerId,
            (hold.get(event.data.buyerId) ?? 0) - event.data.value - event.data.fee,
          );
      }
    };
    apply({ type: 'orders.OpenMarket', data: h100 });
    for (const n of ['n1', 'n2', 'n3'])
      apply({ type: 'orders.RecordNode', data: nodeRecord({ nodeId: n, providerId: `prov-${n}` }) });
    let orderNo = 0;
    for (let step = 0; step < 3_000; step++) {
      clock += 600_000;
      const buyer = buyers[random(buyers.length)]!;
      const price = 1_000_000 + 10_000 * random(50);
      switch (random(6)) {
        case 0:
          apply({
            type: 'orders.GrantBuyingPower',
            data: { marketId: 'H100', accountId: buyer, amount: 1 + random(400_000_000) },
          });
          break;
        case 1:
          apply({
            type: 'orders.ReleaseBuyingPower',
            data: {
              marketId: 'H100',
              accountId: buyer,
              ...(random(2) ? { amount: 1 + random(50_000_000) } : {}),
            },
          });
          break;
        case 2:
        case 3:
          apply(
            (random(4) ? placeOnPower : place)(
              bidOrder(`b${++orderNo}`, {
                accountId: buyer,
                price,
                gpus: 1 + random(4),
                hours: 1 + random(6),
                timeInForce: random(3) ? 'GTC' : 'IOC',
              }),
            ),
          );
          break;
        case 4: {
          const node = `n${1 + random(3)}`;
          apply(
            place(
              askOrder(`a${++orderNo}`, {
                accountId: `prov-${node}`,
                nodeId: node,
                price,
                gpus: 1 + random(2),
                hours: 8,
              }),
            ),
          );
          break;
        }
        default: {
          const open = Object.values(state.orders).filter((o) => o.side === 'bid');
          const o = open[random(Math.max(open.length, 1))];
          if (o)
            apply({
              type: 'orders.CancelOrder',
              data: { marketId: 'H100', orderId: o.orderId, accountId: o.accountId },
            });
        }
      }
      for (const buyer of buyers) {
        let restingHold = 0;
        for (const id of Object.keys(state.powerBids ?? {})) {
          const o = state.orders[id]!;
          if (o.accountId === buyer) restingHold += holdFor(o, h100.feeRateBps, state.book.remaining(id));
        }
        expect(powerOf(state, buyer)).toBeGreaterThanOrEqual(0);
        expect(powerOf(state, buyer) + restingHold).toBe(hold.get(buyer) ?? 0);
      }
    }
    // The run did what it is for: bids on buying power were placed, traded and were cancelled, and
    // others fell back to the older handshake.
    for (const kind of [
      'orders.OrderAccepted on power',
      'orders.TradeExecuted on power',
      'orders.OrderCancelled on power',
      'orders.BuyingPowerReturned',
      'orders.BidAwaitingFunds',
    ])
      expect(seen.get(kind) ?? 0).toBeGreaterThan(100);
    // Closing the market gives all of it back, with what resting bids on it held: nothing is left
    // held for any account.
    apply({
      type: 'orders.GrantBuyingPower',
      data: { marketId: 'H100', accountId: 'buyer-1', amount: 10_000_000 },
    });
    apply(placeOnPower(bidOrder('last', { price: 10_000 })));
    expect(Object.keys(state.powerBids ?? {})).toContain('last');
    apply({ type: 'orders.CloseMarket', data: { marketId: 'H100' } });
    for (const buyer of buyers) expect(hold.get(buyer) ?? 0).toBe(0);
    expect(state.power).toEqual({});
    expect(state.powerBids).toEqual({});
  });
});
