import { nodesFilterScans, ordersFilterScans, WHOLE_SCANS } from './whole-scans';

describe('the calls that read a whole index', () => {
  it('nodes: any filter that names something (there is no index by market, status or TFLOP/s)', () => {
    for (const filter of [
      { marketId: 'h100' },
      { status: 'CERTIFIED' },
      { minTflops: 0 },
      { minTflops: null },
    ])
      expect(nodesFilterScans(filter)).toBe(true);
    for (const filter of [undefined, null, {}, { marketId: '' }, { status: null }, 'not an object'])
      expect(nodesFilterScans(filter)).toBe(false);
  });

  it('myOrders: a status or live (its index is read whole and each order checked); a market or a side reads a page', () => {
    expect(ordersFilterScans({ status: 'OPEN', marketId: 'h100' })).toBe(true);
    expect(ordersFilterScans({ live: true })).toBe(true);
    expect(ordersFilterScans({ live: false, side: 'BID' })).toBe(true);
    for (const filter of [
      undefined,
      null,
      {},
      { marketId: 'h100', side: 'BID' },
      { status: null },
      { live: null },
    ])
      expect(ordersFilterScans(filter)).toBe(false);
  });

  it('are judged by the field and its arguments', () => {
    expect(WHOLE_SCANS.get('Query.nodes')!.scans({ filter: { status: 'CERTIFIED' }, first: 1 })).toBe(true);
    expect(WHOLE_SCANS.get('Query.nodes')!.scans({ first: 1 })).toBe(false);
    expect(WHOLE_SCANS.get('Query.myOrders')!.scans({ filter: { status: 'FILLED' } })).toBe(true);
    expect(WHOLE_SCANS.get('Query.myNodes')).toBeUndefined();
  });
});
