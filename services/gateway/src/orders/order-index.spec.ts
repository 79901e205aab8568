import { orderListOf, atAccountPositions, contradictoryFilter, orderIndexFor } from './order-index';
import { OrderStatus, Side } from './orders.views';

describe('orderIndexFor (which index a myOrders filter reads)', () => {
  it('reads the live orders for a status with GPUs left, whatever else the filter names', () => {
    for (const status of [OrderStatus.PENDING_FUNDS, OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED])
      expect(orderIndexFor({ status, marketId: 'H100', side: Side.BID })).toEqual({ kind: 'live' });
  });

  it('reads the live orders for live: true; for live: false the index the rest of the filter names (filtered after)', () => {
    expect(orderIndexFor({ live: true, marketId: 'H100' })).toEqual({ kind: 'live' });
    expect(orderIndexFor({ live: false, marketId: 'H100' })).toEqual({ kind: 'market', marketId: 'H100' });
    expect(orderIndexFor({ live: false })).toEqual({ kind: 'all' });
    expect(orderIndexFor({ live: true, status: OrderStatus.FILLED })).toEqual({ kind: 'filled' });
  });

  it('reads the filled or the cancelled orders for those statuses, with a market or without', () => {
    expect(orderIndexFor({ status: OrderStatus.FILLED, marketId: 'H100' })).toEqual({ kind: 'filled' });
    expect(orderIndexFor({ status: OrderStatus.CANCELLED, side: Side.ASK })).toEqual({ kind: 'cancelled' });
  });

  it("reads exactly the filter's orders without a status: a market's, a side's, a side's in a market, or all", () => {
    expect(orderIndexFor({ marketId: 'H100' })).toEqual({ kind: 'market', marketId: 'H100' });
    expect(orderIndexFor({ side: Side.ASK })).toEqual({ kind: 'side', side: Side.ASK });
    expect(orderIndexFor({ marketId: 'H100', side: Side.BID })).toEqual({
      kind: 'side',
      side: Side.BID,
      marketId: 'H100',
    });
    expect(orderIndexFor({})).toEqual({ kind: 'all' });
  });
});

describe('orderListOf (whose list a cursor of an index is)', () => {
  it("is the account's for all its orders, and the account's and index's for a market's or a side's", () => {
    expect(orderListOf('a1', { kind: 'all' })).toBe('a1');
    const lists = [
      orderListOf('a1', { kind: 'market', marketId: 'm1' }),
      orderListOf('a1', { kind: 'market', marketId: 'm2' }),
      orderListOf('a1', { kind: 'side', side: Side.BID }),
      orderListOf('a1', { kind: 'side', side: Side.BID, marketId: 'm1' }),
      orderListOf('a1', { kind: 'side', side: Side.ASK, marketId: 'm1' }),
      orderListOf('a2', { kind: 'market', marketId: 'm1' }),
    ];
    expect(new Set(lists).size).toBe(lists.length);
    expect(lists).not.toContain('a1');
  });
});

describe('contradictoryFilter', () => {
  it('says why live and a status of the other kind match nothing; anything else is a filter', () => {
    expect(contradictoryFilter({ live: true, status: OrderStatus.FILLED })).toBe(
      'live: true and status: FILLED never hold together (PENDING_FUNDS, OPEN, PARTIALLY_FILLED are the live statuses): give one of them',
    );
    expect(contradictoryFilter({ live: false, status: OrderStatus.OPEN })).toMatch(
      /^live: false and status: OPEN/,
    );
    for (const filter of [
      { live: true, status: OrderStatus.PARTIALLY_FILLED },
      { live: false, status: OrderStatus.CANCELLED },
      { live: true },
      { status: OrderStatus.FILLED },
      {},
    ])
      expect(contradictoryFilter(filter)).toBeUndefined();
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
