import { liquidityOf } from './liquidity';

describe("a fill's liquidity, as its trade tells it", () => {
  it('makes the order of the side the trade records as taking the TAKER, the other the MAKER', () => {
    // Both limits are the trade's price: only the side that took tells which order rested.
    const same = { price: 1_000_000, bidPrice: 1_000_000, askPrice: 1_000_000 };
    expect(liquidityOf('bid', { ...same, takerSide: 'bid' })).toBe('TAKER');
    expect(liquidityOf('ask', { ...same, takerSide: 'bid' })).toBe('MAKER');
    expect(liquidityOf('bid', { ...same, takerSide: 'ask' })).toBe('MAKER');
    expect(liquidityOf('ask', { ...same, takerSide: 'ask' })).toBe('TAKER');
  });

  it('makes the order whose limit is the trade price the maker where the limits differ, in a trade from before it recorded its taker', () => {
    // A bid at 1.20 came to an ask resting at 1.00: the trade is at 1.00.
    const tookTheAsk = { price: 1_000_000, bidPrice: 1_200_000, askPrice: 1_000_000, takerSide: null };
    expect(liquidityOf('bid', tookTheAsk)).toBe('TAKER');
    expect(liquidityOf('ask', tookTheAsk)).toBe('MAKER');
    // An ask at 1.10 came to a bid resting at 1.20: the trade is at 1.20.
    const tookTheBid = { price: 1_200_000, bidPrice: 1_200_000, askPrice: 1_100_000 };
    expect(liquidityOf('bid', tookTheBid)).toBe('MAKER');
    expect(liquidityOf('ask', tookTheBid)).toBe('TAKER');
  });

  it('cannot tell where both limits are the trade price in a trade from before it recorded its taker', () => {
    const same = { price: 1_000_000, bidPrice: 1_000_000, askPrice: 1_000_000 };
    expect(liquidityOf('bid', same)).toBeNull();
    expect(liquidityOf('ask', { ...same, takerSide: null })).toBeNull();
  });
});
