import { holdFor, type NodeRecord, type Order } from '@gpux/contracts';
import { fold, scenario } from '@gpux/eventsourcing/domain';
import { MarketEvent, marketDecider } from '../market.decider';
import { askOrder, awaitingFunds, bidOrder, confirmFunds, h100, nodeRecord } from '../market.fixture';
import { orderCancelled } from './order-cancelled';

// A bid entering the book never trades with an ask whose node may not sell at the decision's
// `now` (rules/certified.ts): the asks of such nodes that it reaches are not matched, and are
// cancelled in the same decision (CERTIFICATION_LAPSED).

const NOW = new Date('2026-06-01T12:00:00.000Z');
const HOUR = 3_600_000;
const later = (ms: number) => new Date(NOW.getTime() + ms);
const opened: MarketEvent = { type: 'orders.MarketOpened', data: h100 };
const recorded = (nodeId: string, extra: Partial<NodeRecord> = {}): MarketEvent => ({
  type: 'orders.NodeRecorded',
  data: nodeRecord({ nodeId, ...extra }),
});
const accepted = (order: Order): MarketEvent => ({ type: 'orders.OrderAccepted', data: { order } });
const awaiting = awaitingFunds;
const confirm = confirmFunds;
const funded = (order: Order) => ({
  type: 'orders.PlaceOrder' as const,
  data: { ...order, heldAmount: holdFor(order, h100.feeRateBps) },
});
const market = scenario(marketDecider);
const lapsed = (ask: Order, gpus = ask.gpus) => orderCancelled(ask, gpus, 'CERTIFICATION_LAPSED', 0);

// n1's certificate runs an hour from NOW; n2's never expires. a1 (n1, 2.00) is the better ask.
const a1 = askOrder('a1');
const a2 = askOrder('a2', { nodeId: 'n2', price: 2_050_000 });
const given = [
  opened,
  recorded('n1', { certifiedUntil: later(HOUR).toISOString() }),
  recorded('n2'),
  accepted(a1),
  accepted(a2),
];

describe('a bid that reaches asks whose node may no longer sell', () => {
  it('trades with them while the certificate runs', () => {
    const b1 = bidOrder('b1');
    const decision = market.given(...given, awaiting(b1)).when(confirm('b1'), { now: later(HOUR - 1) });
    expect(decision).toMatchObject({
      kind: 'accepted',
      events: [{ type: 'orders.OrderAccepted' }, { type: 'orders.TradeExecuted', data: { askId: 'a1' } }],
    });
  });

  it('passes over an ask whose certificate expired (at its expiry itself) and cancels it in the same decision', () => {
    const b1 = bidOrder('b1');
    const decision = market.given(...given, awaiting(b1)).when(confirm('b1'), { now: later(HOUR) });
    expect(decision).toMatchObject({
      kind: 'accepted',
      events: [
        { type: 'orders.OrderAccepted', data: { order: b1 } },
        { type: 'orders.TradeExecuted', data: { askId: 'a2', nodeId: 'n2', gpus: 2, price: 2_050_000 } },
        lapsed(a1),
      ],
    });
    if (decision.kind !== 'accepted') throw new Error('expected a trade');
    expect(decision.events).toHaveLength(3);
    // Applied, the lapsed ask is out of the book and of the node's offers; the other one traded.
    const after = fold(marketDecider, [...given, awaiting(b1), ...decision.events]);
    expect(after.book.has('a1')).toBe(false);
    expect(after.orders['a1']).toBeUndefined();
    expect(after.book.offeredOn('n1')).toBe(0);
    expect(after.book.remaining('a2')).toBe(2);
  });

  it('rests a bid that only lapsed asks could fill, and cancels them; a funded bid alike', () => {
    const only = [opened, recorded('n1', { certifiedUntil: later(HOUR).toISOString() }), accepted(a1)];
    const b1 = bidOrder('b1');
    market
      .given(...only, awaiting(b1))
      .when(confirm('b1'), { now: later(2 * HOUR) })
      .then([accepted(b1), lapsed(a1)]);
    const decision = market.given(...only).when(funded(b1), { now: later(2 * HOUR) });
    expect(decision).toMatchObject({
      kind: 'accepted',
      events: [{ type: 'orders.OrderAccepted', data: { order: b1 } }, lapsed(a1)],
    });
  });

  it('does not count lapsed asks toward a FOK: it is killed, and they are cancelled all the same', () => {
    // 6 GPUs: a1 (4, lapsed) and a2 (4) would fill it; a2 alone cannot.
    const fok = bidOrder('f1', { gpus: 6, timeInForce: 'FOK' });
    const decision = market.given(...given, awaiting(fok)).when(confirm('f1'), { now: later(HOUR) });
    expect(decision).toMatchObject({
      kind: 'accepted',
      events: [
        { type: 'orders.OrderAccepted' },
        lapsed(a1),
        {
          type: 'orders.OrderCancelled',
          data: { orderId: 'f1', gpus: 6, reason: 'FOK_UNFILLABLE', holdReleased: holdFor(fok, 250) },
        },
      ],
    });
  });

  it('cancels an ask of a node recorded below the market minimum, and one of a node recorded as expired', () => {
    // Records of n1 that RecordNode took before these rules (replayed as they were): its asks rest.
    for (const record of [
      recorded('n1', { certifiedTflopsPerGpu: 299 }),
      recorded('n1', { certifiedUntil: later(-1).toISOString() }),
    ]) {
      const b1 = bidOrder('b1');
      const decision = market.given(...given, record, awaiting(b1)).when(confirm('b1'), { now: NOW });
      expect(decision).toMatchObject({
        kind: 'accepted',
        events: [
          { type: 'orders.OrderAccepted' },
          { type: 'orders.TradeExecuted', data: { askId: 'a2' } },
          lapsed(a1),
        ],
      });
    }
  });

  it('leaves the lapsed asks a bid does not reach, and its running leases, alone', () => {
    // b1 trades 2 of a1 while n1 is certified: a lease on n1 runs 10 hours.
    const b1 = bidOrder('b1');
    const first = market.given(...given, awaiting(b1)).when(confirm('b1'), { now: NOW });
    if (first.kind !== 'accepted') throw new Error('expected a trade');
    const before = [
      ...given,
      awaiting(b1),
      ...first.events,
      accepted(askOrder('a3', { nodeId: 'n2', price: 1_900_000 })),
    ];
    // After n1's expiry a bid of 1 GPU fills at a3 (1.90), the best ask: it never reaches a1.
    const b2 = bidOrder('b2', { gpus: 1 });
    const decision = market.given(...before, awaiting(b2)).when(confirm('b2'), { now: later(HOUR) });
    expect(decision).toMatchObject({
      kind: 'accepted',
      events: [{ type: 'orders.OrderAccepted' }, { type: 'orders.TradeExecuted', data: { askId: 'a3' } }],
    });
    if (decision.kind !== 'accepted') throw new Error('expected a trade');
    expect(decision.events).toHaveLength(2);
    // Nothing breaches n1's running lease: the lapse only stops new trades.
    expect(decision.events.some((e) => e.type === 'orders.LeaseBreached')).toBe(false);
    expect(fold(marketDecider, [...before, awaiting(b2), ...decision.events]).leases['n1']).toHaveLength(1);
  });
});
