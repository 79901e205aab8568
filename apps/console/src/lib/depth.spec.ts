import { depthGrid, depthOf, spreadOf } from './depth';

describe('depthOf', () => {
  const bids = [
    { price: '2.000000', gpus: 4 },
    { price: '1.900000', gpus: 2 },
    { price: '1.500000', gpus: 8 },
  ];
  const asks = [
    { price: '2.200000', gpus: 1 },
    { price: '2.100000', gpus: 3 },
    { price: '2.500000', gpus: 6 },
  ];

  it('adds bids up from the highest price down, listed in ascending price', () => {
    expect(depthOf(bids, 'bids')).toEqual([
      { price: 1.5, gpus: 14 },
      { price: 1.9, gpus: 6 },
      { price: 2, gpus: 4 },
    ]);
  });

  it('adds asks up from the lowest price, whatever order they came in', () => {
    expect(depthOf(asks, 'asks')).toEqual([
      { price: 2.1, gpus: 3 },
      { price: 2.2, gpus: 4 },
      { price: 2.5, gpus: 10 },
    ]);
  });

  it('merges levels of one price and leaves out empty ones', () => {
    expect(
      depthOf(
        [
          { price: '3.000000', gpus: 1 },
          { price: '3.000000', gpus: 2 },
          { price: '3.100000', gpus: 0 },
        ],
        'asks',
      ),
    ).toEqual([{ price: 3, gpus: 3 }]);
  });

  it('is empty for an empty side', () => {
    expect(depthOf([], 'bids')).toEqual([]);
  });
});

describe('spreadOf', () => {
  it('is the best ask less the best bid', () => {
    expect(spreadOf([{ price: '2.000000', gpus: 1 }], [{ price: '2.100000', gpus: 1 }])).toBe(0.1);
  });

  it('is null when a side is empty', () => {
    expect(spreadOf([], [{ price: '2.100000', gpus: 1 }])).toBeNull();
    expect(spreadOf([{ price: '2.000000', gpus: 1 }], [])).toBeNull();
  });
});

describe('depthGrid', () => {
  const bids = depthOf(
    [
      { price: '2.00', gpus: 4 },
      { price: '1.98', gpus: 2 },
    ],
    'bids',
  );
  const asks = depthOf(
    [
      { price: '2.03', gpus: 1 },
      { price: '2.04', gpus: 3 },
    ],
    'asks',
  );

  it('puts both sides on one grid of ticks, each side only where it reaches', () => {
    const grid = depthGrid(bids, asks, 0.01);
    expect(grid.bids).toEqual([
      { price: 1.98, gpus: 6 },
      { price: 1.99, gpus: 4 },
      { price: 2, gpus: 4 },
      { price: 2.01 },
      { price: 2.02 },
      { price: 2.03 },
      { price: 2.04 },
    ]);
    expect(grid.asks).toEqual([
      { price: 1.98 },
      { price: 1.99 },
      { price: 2 },
      { price: 2.01 },
      { price: 2.02 },
      { price: 2.03, gpus: 1 },
      { price: 2.04, gpus: 4 },
    ]);
  });

  it('spaces a wide book by a multiple of the tick, ending at the highest level', () => {
    const wide = depthGrid(
      depthOf([{ price: '1.00', gpus: 1 }], 'bids'),
      depthOf([{ price: '101.00', gpus: 2 }], 'asks'),
      0.01,
      100,
    );
    expect(wide.asks).toHaveLength(101);
    expect(wide.asks[1]!.price).toBe(2);
    expect(wide.asks[100]).toEqual({ price: 101, gpus: 2 });
    expect(wide.bids[0]).toEqual({ price: 1, gpus: 1 });
  });

  it('is empty for an empty book', () => {
    expect(depthGrid([], [], 0.01)).toEqual({ bids: [], asks: [] });
  });
});
