import { orderIndexFor } from './order-index';
import { OrderStatus, Side } from './orders.views';

describe('orderIndexFor (which index a myOrders filter reads)', () => {
  it('reads the live orders for a status with GPUs left, whatever else the filter names', () => {
    for (const status of [OrderStatus.PENDING_FUNDS, OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED])
      expect(orderIndexFor({ status, marketId: 'H100', side: Side.BID })).toEqual({ kind: 'live' });
  });

  it("reads one market's orders for a market with a finished status or none", () => {
    expect(orderIndexFor({ marketId: 'H100' })).toEqual({ kind: 'market', marketId: 'H100' });
    expect(orderIndexFor({ marketId: 'H100', status: OrderStatus.FILLED })).toEqual({
      kind: 'market',
      marketId: 'H100',
    });
  });

  it('reads all orders for a finished status or a side alone', () => {
    expect(orderIndexFor({ status: OrderStatus.CANCELLED })).toEqual({ kind: 'all' });
    expect(orderIndexFor({ side: Side.ASK })).toEqual({ kind: 'all' });
  });
});
