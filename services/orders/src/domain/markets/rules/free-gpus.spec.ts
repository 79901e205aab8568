import { fold } from '@gpux/eventsourcing/domain';
import { MarketEvent, marketDecider, reviveMarket } from '../market.decider';
import { askOrder, h100, nodeRecord } from '../market.fixture';
import { orderCancelled } from '../decide/order-cancelled';
import type { MarketState } from '../market';
import { nodeGpus, notFreeMessage } from './free-gpus';

/** What a node may still offer (the free-GPUs rule's figure). */
const freeGpus = (state: MarketState, nodeId: string, now: number) => nodeGpus(state, nodeId, now).free;

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const HOUR = 3_600_000;
const spec = h100;
const node = nodeRecord();
const ask = (orderId: string, gpus: number, nodeId = 'n1') => askOrder(orderId, { gpus, nodeId });
const traded = (gpus: number, hours: number, askId = 'a1'): MarketEvent => ({
  type: 'orders.TradeExecuted',
  data: {
    marketId: 'H100',
    tradeId: `t-${askId}`,
    bidId: 'b1',
    askId,
    buyerId: 'buyer-1',
    providerId: 'prov-1',
    nodeId: 'n1',
    price: 2_000_000,
    bidPrice: 2_000_000,
    askPrice: 2_000_000,
    gpus,
    hours,
    start: new Date(NOW).toISOString(),
    end: new Date(NOW + hours * HOUR).toISOString(),
    value: 0,
    fee: 0,
    holdReleased: 0,
  },
});
const market = (...events: MarketEvent[]) =>
  fold(marketDecider, [
    { type: 'orders.MarketOpened', data: spec },
    { type: 'orders.NodeRecorded', data: node },
    ...events,
  ]);

describe('the free-GPUs rule', () => {
  it('frees all of a node that offers nothing and has no lease; nothing of a node not recorded', () => {
    expect(freeGpus(market(), 'n1', NOW)).toBe(8);
    expect(freeGpus(market(), 'n9', NOW)).toBe(0);
  });

  it('takes out what its open asks still offer', () => {
    const offered = market({ type: 'orders.OrderAccepted', data: { order: ask('a1', 6) } });
    expect(freeGpus(offered, 'n1', NOW)).toBe(2);
  });

  it('takes out GPUs under a running lease until its end, and the ask it sold from fills', () => {
    const leased = market({ type: 'orders.OrderAccepted', data: { order: ask('a1', 4) } }, traded(3, 10));
    expect(freeGpus(leased, 'n1', NOW)).toBe(8 - 3 - 1);
    expect(freeGpus(leased, 'n1', NOW + 10 * HOUR - 1)).toBe(8 - 3 - 1);
    expect(freeGpus(leased, 'n1', NOW + 10 * HOUR)).toBe(8 - 1);
  });

  it('gives back what a cancelled ask offered, and reads the same in a market restored from its snapshot', () => {
    const state = market(
      { type: 'orders.OrderAccepted', data: { order: ask('a1', 2) } },
      { type: 'orders.OrderAccepted', data: { order: ask('a2', 3) } },
      { type: 'orders.OrderAccepted', data: { order: ask('a3', 1) } },
      orderCancelled(ask('a2', 3), 3, 'CANCELLED', 0),
    );
    expect(freeGpus(state, 'n1', NOW)).toBe(8 - 2 - 1);
    const restored = reviveMarket(JSON.parse(JSON.stringify(state)));
    expect(freeGpus(restored, 'n1', NOW)).toBe(8 - 2 - 1);
    expect(restored.book.asksOn('n1')).toEqual(['a1', 'a3']);
  });

  it('says why GPUs are not free: how many are leased (and when the first lease ends), how many offered', () => {
    const fourGpus = fold(marketDecider, [
      { type: 'orders.MarketOpened', data: spec },
      { type: 'orders.NodeRecorded', data: nodeRecord({ gpus: 4 }) },
      { type: 'orders.OrderAccepted', data: { order: ask('a1', 4) } },
      traded(1, 10),
      { ...traded(3, 2), data: { ...traded(3, 2).data, tradeId: 't-2' } },
    ]);
    expect(notFreeMessage('n1', nodeGpus(fourGpus, 'n1', NOW))).toBe(
      'node n1 has 0 of its 4 GPUs free to offer: 4 leased (the first ends at 2026-06-01T14:00:00.000Z), 0 offered by your open asks',
    );
    const offered = market({ type: 'orders.OrderAccepted', data: { order: ask('a1', 6) } });
    expect(notFreeMessage('n1', nodeGpus(offered, 'n1', NOW))).toBe(
      'node n1 has 2 of its 8 GPUs free to offer: 0 leased, 6 offered by your open asks',
    );
  });
});
