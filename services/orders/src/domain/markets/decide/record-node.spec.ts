import { holdFor, type NodeRecord, type Order } from '@gpux/contracts';
import { fold, scenario } from '@gpux/eventsourcing/domain';
import { MarketEvent, marketDecider } from '../market.decider';
import { askOrder, bidOrder, h100, nodeRecord } from '../market.fixture';
import { orderCancelled } from './order-cancelled';

// Capacity records a node again: a record that leaves it unable to sell in the market at `now`
// cancels its resting asks in the same decision (CERTIFICATION_LAPSED); nothing else changes.

const NOW = new Date('2026-06-01T12:00:00.000Z');
const later = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const opened: MarketEvent = { type: 'orders.MarketOpened', data: h100 };
const recorded = (nodeId: string, extra: Partial<NodeRecord> = {}): MarketEvent => ({
  type: 'orders.NodeRecorded',
  data: nodeRecord({ nodeId, ...extra }),
});
const record = (nodeId: string, extra: Partial<NodeRecord> = {}) => ({
  type: 'orders.RecordNode' as const,
  data: nodeRecord({ nodeId, ...extra }),
});
const accepted = (order: Order): MarketEvent => ({ type: 'orders.OrderAccepted', data: { order } });
const awaiting = (order: Order): MarketEvent => ({
  type: 'orders.BidAwaitingFunds',
  data: { order, holdAmount: holdFor(order, h100.feeRateBps) },
});
const market = scenario(marketDecider);

const a1 = askOrder('a1', { gpus: 3 });
const a3 = askOrder('a3', { gpus: 2, price: 2_200_000 });
const a2 = askOrder('a2', { nodeId: 'n2', price: 2_500_000 });
const restingBid = bidOrder('b9', { price: 1_000_000 });
const given = [
  opened,
  recorded('n1'),
  recorded('n2'),
  accepted(a1),
  accepted(a3),
  accepted(a2),
  awaiting(restingBid),
  accepted(restingBid),
];

describe('a node recorded again', () => {
  it.each<[string, Partial<NodeRecord>]>([
    [
      'certified below the market minimum (a recertification that delivered less)',
      { certifiedTflopsPerGpu: 290 },
    ],
    ['with a certification that already expired', { certifiedUntil: later(-1) }],
    ['with a certification that expires at this very moment', { certifiedUntil: later(0) }],
    ['not certified', { certifiedTflopsPerGpu: null }],
  ])('%s: cancels what its resting asks have left, and nothing else', (_what, extra) => {
    // 2 of a1's 3 GPUs trade first, so what is left of it is cancelled.
    const b1 = bidOrder('b1');
    const trade = market
      .given(...given, awaiting(b1))
      .when({ type: 'orders.ConfirmBidFunds', data: { marketId: 'H100', orderId: 'b1' } }, { now: NOW });
    if (trade.kind !== 'accepted') throw new Error('expected a trade');
    const before = [...given, awaiting(b1), ...trade.events];
    const command = record('n1', extra);
    market
      .given(...before)
      .when(command, { now: NOW })
      .then([
        { type: 'orders.NodeRecorded', data: command.data },
        orderCancelled(a1, 1, 'CERTIFICATION_LAPSED', 0),
        orderCancelled(a3, 2, 'CERTIFICATION_LAPSED', 0),
      ]);
    // Applied: n1 offers nothing; n2's ask, the resting bid and n1's running lease stay.
    const decision = market.given(...before).when(command, { now: NOW });
    if (decision.kind !== 'accepted') throw new Error('expected the record');
    const after = fold(marketDecider, [...before, ...decision.events]);
    expect(after.book.asksOn('n1')).toEqual([]);
    expect(after.book.asksOn('n2')).toEqual(['a2']);
    expect(after.book.remaining('b9')).toBe(2);
    expect(after.leases['n1']).toHaveLength(1);
  });

  it('that may still sell keeps its asks, whatever changed (a later expiry, a higher figure)', () => {
    for (const extra of [
      { certifiedUntil: later(1) },
      { certifiedTflopsPerGpu: 300 },
      { certifiedTflopsPerGpu: 400 },
    ]) {
      const command = record('n1', extra);
      market
        .given(...given)
        .when(command, { now: NOW })
        .then([{ type: 'orders.NodeRecorded', data: command.data }]);
    }
  });

  it('for the first time, or with no asks resting, records it alone', () => {
    for (const nodeId of ['n3', 'n2']) {
      const command = record(nodeId, { certifiedTflopsPerGpu: 100 });
      market
        .given(opened, recorded('n1'), recorded('n2'))
        .when(command, { now: NOW })
        .then([{ type: 'orders.NodeRecorded', data: command.data }]);
    }
  });
});
