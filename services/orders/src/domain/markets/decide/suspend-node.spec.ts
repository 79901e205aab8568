import { holdFor, type Order } from '@gpux/contracts';
import { fold, scenario } from '@gpux/eventsourcing/domain';
import { ENDED_LEASE_RETENTION_MS } from '../market';
import { MarketEvent, marketDecider } from '../market.decider';
import { askOrder, bidOrder, h100, nodeRecord } from '../market.fixture';

// A suspension breaches every lease that ran past the moment the node stopped delivering (`at`,
// its last heartbeat), not only those still running when orders decides it (`now`, up to the
// heartbeat timeout later): the buyer of a lease that ended in between paid for undelivered time.

const NOW = new Date('2026-06-01T12:00:00.000Z');
const HOUR = 3_600_000;
const later = (ms: number) => new Date(NOW.getTime() + ms);
const opened: MarketEvent = { type: 'orders.MarketOpened', data: h100 };
const accepted = (order: Order): MarketEvent => ({ type: 'orders.OrderAccepted', data: { order } });
const awaiting = (order: Order): MarketEvent => ({
  type: 'orders.BidAwaitingFunds',
  data: { order, holdAmount: holdFor(order, h100.feeRateBps) },
});
const market = scenario(marketDecider);

/** The events so far and those of a bid of `gpus` GPUs for an hour funded at `at`. */
function trade(events: MarketEvent[], orderId: string, at: Date, gpus = 2): MarketEvent[] {
  const order = bidOrder(orderId, { gpus, hours: 1 });
  const decision = market
    .given(...events, awaiting(order))
    .when({ type: 'orders.ConfirmBidFunds', data: { marketId: 'H100', orderId } }, { now: at });
  if (decision.kind !== 'accepted' || !decision.events.some((e) => e.type === 'orders.TradeExecuted'))
    throw new Error(`expected ${orderId} to trade`);
  return [...events, awaiting(order), ...decision.events];
}
const suspend = (at: Date) => ({
  type: 'orders.SuspendNode' as const,
  data: { marketId: 'H100', nodeId: 'n1', reason: 'NODE_LOST' as const, at: at.toISOString() },
});
const breached = (leaseId: string, at: Date): MarketEvent => ({
  type: 'orders.LeaseBreached',
  data: {
    marketId: 'H100',
    leaseId,
    buyerId: 'buyer-1',
    nodeId: 'n1',
    reason: 'NODE_LOST',
    at: at.toISOString(),
  },
});
const breaches = (events: MarketEvent[], at: Date, now: Date) => {
  const decision = market.given(...events).when(suspend(at), { now });
  if (decision.kind !== 'accepted') throw new Error('expected a suspension');
  return decision.events.filter((e) => e.type === 'orders.LeaseBreached');
};

// H100-t1: 2 GPUs of n1 from NOW for an hour.
const leased = trade(
  [opened, { type: 'orders.NodeRecorded', data: nodeRecord() }, accepted(askOrder('a1'))],
  'b1',
  NOW,
);
const lastHeartbeat = later(HOUR - 5_000);

describe('a node suspended for what it stopped delivering', () => {
  it('breaches a lease that ended after its last heartbeat, though before the suspension is decided', () => {
    expect(breaches(leased, lastHeartbeat, later(HOUR + 15_000))).toEqual([
      breached('H100-t1', lastHeartbeat),
    ]);
  });

  it('breaches no lease that ended by its last heartbeat', () => {
    expect(breaches(leased, later(HOUR), later(HOUR + 20_000))).toEqual([]);
    expect(breaches(leased, later(HOUR + 1), later(HOUR + 20_000))).toEqual([]);
  });

  it('still breaches it when the node traded again between its end and the suspension', () => {
    // The silent node's other ask trades 5 s after the first lease ended: H100-t2, also undelivered.
    const again = trade(leased, 'b2', later(HOUR + 5_000));
    expect(breaches(again, lastHeartbeat, later(HOUR + 20_000))).toEqual([
      breached('H100-t1', lastHeartbeat),
      breached('H100-t2', lastHeartbeat),
    ]);
  });

  it('keeps ended leases for ENDED_LEASE_RETENTION_MS of the node trading again, not for ever', () => {
    expect(ENDED_LEASE_RETENTION_MS).toBeGreaterThanOrEqual(HOUR);
    const ids = (events: MarketEvent[]) => fold(marketDecider, events).leases['n1']!.map((l) => l.tradeId);
    expect(ids(trade(leased, 'b2', later(HOUR + ENDED_LEASE_RETENTION_MS - 1)))).toEqual([
      'H100-t1',
      'H100-t2',
    ]);
    expect(ids(trade(leased, 'b2', later(HOUR + ENDED_LEASE_RETENTION_MS)))).toEqual(['H100-t2']);
  });

  it('refuses an ask on the suspended node saying it is suspended and why, until capacity records it certified again', () => {
    const suspended = [
      ...leased,
      { type: 'orders.NodeSuspended', data: suspend(later(1_000)).data } as MarketEvent,
    ];
    const place = (events: MarketEvent[]) =>
      market
        .given(...events)
        .when({ type: 'orders.PlaceOrder', data: askOrder('a2', { gpus: 1 }) }, { now: later(2_000) });
    expect(place(suspended)).toEqual({
      kind: 'rejected',
      code: 'NODE_NOT_CERTIFIED',
      message: 'node n1 is suspended (NODE_LOST) until it certifies again: run gpu-worker join for it',
      field: 'nodeId',
    });
    // Recertified (capacity's record again): it sells.
    const recertified = [...suspended, { type: 'orders.NodeRecorded', data: nodeRecord() } as MarketEvent];
    expect(place(recertified)).toMatchObject({ kind: 'accepted' });
  });
});
