import { atAccountPositions, orderIndexFor, positionsAreCursors } from './order-index';
import { OrderStatus, Side } from './orders.views';

describe('orderIndexFor (which index a myOrders filter reads)', () => {
  it('reads the live orders for a status with GPUs left, whatever else the filter names', () => {
    for (const status of [OrderStatus.PENDING_FUNDS, OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED])
      expect(orderIndexFor({ status, marketId: 'H100', side: Side.BID })).toEqual({ kind: 'live' });
  });

  it('reads the filled or the cancelled orders for those statuses, with a market or without', () => {
    expect(orderIndexFor({ status: OrderStatus.FILLED, marketId: 'H100' })).toEqual({ kind: 'filled' });
    expect(orderIndexFor({ status: OrderStatus.CANCELLED, side: Side.ASK })).toEqual({ kind: 'cancelled' });
  });

  it("reads one market's orders for a market without a status, and all orders for a side alone", () => {
    expect(orderIndexFor({ marketId: 'H100', side: Side.BID })).toEqual({ kind: 'market', marketId: 'H100' });
    expect(orderIndexFor({ side: Side.ASK })).toEqual({ kind: 'all' });
  });

  it("keeps positions as cursors only in the indexes ordered and kept as all the account's orders", () => {
    expect(positionsAreCursors({ kind: 'all' })).toBe(true);
    expect(positionsAreCursors({ kind: 'market', marketId: 'H100' })).toBe(true);
    for (const kind of ['live', 'filled', 'cancelled'] as const)
      expect(positionsAreCursors({ kind })).toBe(false);
  });
});

describe('atAccountPositions', () => {
  it("orders what an index kept by position among all the account's orders, leaving out the unlisted", () => {
    // Filled in another order than they were placed: the filled orders list b before a.
    const kept = [{ node: 'b' }, { node: 'gone' }, { node: 'a' }, { node: 'c' }];
    expect(atAccountPositions(kept, [7, null, 2, 9])).toEqual([
      { position: 2, node: 'a' },
      { position: 7, node: 'b' },
      { position: 9, node: 'c' },
    ]);
    expect(atAccountPositions([], [])).toEqual([]);
  });
});
