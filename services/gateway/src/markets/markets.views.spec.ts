import { GraphQLSafeInt } from 'graphql-scalars';
import { GraphQLUsd } from '../api/scalars';
import { Side } from '../orders/orders.views';
import { toBook, toCandle, toTicker, toTrade } from './markets.views';

// A market's sums grow with its history: a day of year-long leases of whole nodes passes 2^31
// GPU-hours and 2^53 micro-USD. Each must still be sent, exactly; one that could not be failed the
// whole market it belonged to (its non-null fields), in every query and subscription.

const volume = 240 * 1_024 * 8_784; // 2,158,755,840 GPU-hours
const value = 240n * 4_497_408_000_000_000n; // 1.08 × 10^18 micro-USD

it("sends a day's sums past a 32-bit Int and 2^53 micro-USD exactly", () => {
  const ticker = toTicker(
    {
      marketId: 'm',
      last: 500_000_000,
      lastTime: '2026-12-03T10:00:00.000Z',
      lastTradeId: 'm-t240',
      bestBid: null,
      bestAsk: null,
      day: { trades: 240, volume, value, vwap: 500_000_000 },
      total: { trades: 240, volume, value },
    },
    { marketId: 'm', price: 500_000_000, source: 'vwap-1h', perTflopHour: null, minTflopsPerGpu: 1e-9 },
  );
  expect(GraphQLSafeInt.serialize(ticker.volume24h)).toBe(2_158_755_840);
  expect(GraphQLUsd.serialize(ticker.value24h)).toBe('1079377920000.000000');
  expect(ticker.indexPerTflopHour).toBeUndefined();

  const candle = toCandle({
    interval: '1d',
    start: '2026-12-03T00:00:00.000Z',
    open: 500_000_000,
    high: 500_000_000,
    low: 500_000_000,
    close: 500_000_000,
    volume,
    value: 2n ** 53n + 1n,
    trades: 240,
  });
  expect(GraphQLSafeInt.serialize(candle.volume)).toBe(volume);
  expect(GraphQLUsd.serialize(candle.value)).toBe('9007199254.740993');

  // 21,475 bids of 100,000 GPUs resting at one price.
  const book = toBook({ marketId: 'm', bids: [{ price: 1_000_000, gpus: 2_147_500_000 }], asks: [] });
  expect(GraphQLSafeInt.serialize(book.bids[0]?.gpus)).toBe(2_147_500_000);
});

it('says which side took a public trade (the schema sends Side.BID as BID), and null for a trade recorded before its taker was', () => {
  const record = {
    marketId: 'm1',
    tradeId: 'm1-t7',
    price: 1_000_000,
    gpus: 1,
    hours: 2,
    value: 2_000_000,
    time: '2026-06-01T12:00:00.000Z',
  };
  expect(toTrade({ ...record, takerSide: 'bid' })).toMatchObject({
    id: 'm1-t7',
    sequence: 7,
    takerSide: Side.BID,
  });
  expect(toTrade({ ...record, takerSide: 'ask' }).takerSide).toBe(Side.ASK);
  expect(toTrade(record).takerSide).toBeNull();
});
