import type { Order } from '@gpux/contracts';
import { marketDecider } from '../market.decider';

describe('closing a market', () => {
  it('cancels a book deeper than a call takes arguments (200,000 resting bids), each with what its bid still holds', () => {
    let state = marketDecider.initialState();
    state = marketDecider.evolve(state, {
      type: 'orders.MarketOpened',
      data: { marketId: 'H100', gpuClass: 'H100', minTflopsPerGpu: 300, tickSize: 10_000, feeRateBps: 250 },
    });
    const depth = 200_000;
    for (let i = 0; i < depth; i++) {
      const order: Order = {
        marketId: 'H100',
        orderId: `b${i}`,
        side: 'bid',
        accountId: `buyer-${Math.floor(i / 1_000)}`,
        price: 10_000,
        gpus: 1,
        hours: 1,
        timeInForce: 'GTC',
      };
      state = marketDecider.evolve(state, { type: 'orders.OrderAccepted', data: { order } });
    }
    const decision = marketDecider.decide({ type: 'orders.CloseMarket', data: { marketId: 'H100' } }, state, {
      now: new Date('2026-12-03T00:00:00Z'),
    });
    expect(decision.kind).toBe('accepted');
    const events = decision.kind === 'accepted' ? decision.events : [];
    expect(events).toHaveLength(depth + 1);
    expect(events[0]).toEqual({ type: 'orders.MarketClosed', data: { marketId: 'H100' } });
    expect(events[depth]).toMatchObject({
      type: 'orders.OrderCancelled',
      data: { orderId: `b${depth - 1}`, reason: 'MARKET_CLOSED' },
    });
  });
});
