import { MARKET_CLOSED_MESSAGE, OrdersEvents, pricingReadModel as K } from '@gpux/contracts';
import { applyOps, Model, Published } from '@gpux/eventsourcing/domain';
import type { Envelope } from '@gpux/contracts';
import { pricingProjection } from './pricing.projection';
import { accepted, cancelled, marketClosed, marketOpened, traded } from './pricing.projection.fixture';

const TOPIC = 'orders.events';
const t = (iso: string) => Date.parse(iso);

function fold(events: Envelope[]): { model: Model; published: Published[] } {
  const projection = pricingProjection(TOPIC);
  const model: Model = new Map();
  const published: Published[] = [];
  events.forEach((e, i) =>
    applyOps(model, projection.apply(e, { topic: TOPIC, partition: 0, offset: String(i) }), published),
  );
  return { model, published };
}

const hash = (model: Model, key: string) => {
  const h = model.get(key);
  return h instanceof Map ? Object.fromEntries(h) : undefined;
};

/** The book as a reader sees it: levels with GPUs > 0, best first. */
function book(model: Model, marketId: string, side: 'bid' | 'ask'): Array<[number, number]> {
  const levels = Object.entries(hash(model, K.bookLevels(marketId, side)) ?? {})
    .map(([price, gpus]) => [Number(price), Number(gpus)] as [number, number])
    .filter(([, gpus]) => gpus > 0);
  return levels.sort(([a], [b]) => (side === 'bid' ? b - a : a - b));
}

// Market m1: three asks, a resting bid, then an IOC bid sweeping two ask levels at the makers'
// prices (its remainder cancelled), a bid whose funds were refused, an ask hitting the resting
// bid, and a cancel. Market m2 trades an hour later on its own.
const M1 = 'm1';
const M2 = 'm2';
const events: Envelope[] = [
  marketOpened({ marketId: M1 }, '2026-03-04T09:59:00.000Z'),
  marketOpened({ marketId: M2, gpuClass: 'L4', minTflopsPerGpu: 0 }, '2026-03-04T09:59:01.000Z'),
  accepted(
    { marketId: M1, orderId: 'a1', side: 'ask', price: 2_000_000, gpus: 8 },
    '2026-03-04T10:00:01.000Z',
  ),
  accepted(
    { marketId: M1, orderId: 'a2', side: 'ask', price: 2_100_000, gpus: 4 },
    '2026-03-04T10:00:02.000Z',
  ),
  accepted(
    { marketId: M1, orderId: 'a3', side: 'ask', price: 2_200_000, gpus: 5 },
    '2026-03-04T10:00:03.000Z',
  ),
  accepted(
    { marketId: M1, orderId: 'b1', side: 'bid', price: 1_900_000, gpus: 3 },
    '2026-03-04T10:00:04.000Z',
  ),
  // One transaction: the IOC bid, its two trades, its remainder.
  accepted(
    { marketId: M1, orderId: 'b2', side: 'bid', price: 2_100_000, gpus: 15, hours: 2, timeInForce: 'IOC' },
    '2026-03-04T10:00:30.000Z',
  ),
  traded(
    {
      marketId: M1,
      tradeId: 'm1-t1',
      bidId: 'b2',
      askId: 'a1',
      price: 2_000_000,
      bidPrice: 2_100_000,
      askPrice: 2_000_000,
      gpus: 8,
      hours: 2,
    },
    '2026-03-04T10:00:30.000Z',
  ),
  traded(
    {
      marketId: M1,
      tradeId: 'm1-t2',
      bidId: 'b2',
      askId: 'a2',
      price: 2_100_000,
      bidPrice: 2_100_000,
      askPrice: 2_100_000,
      gpus: 4,
      hours: 2,
    },
    '2026-03-04T10:00:30.000Z',
  ),
  cancelled(
    { marketId: M1, orderId: 'b2', side: 'bid', price: 2_100_000, gpus: 3, reason: 'IOC_REMAINDER' },
    '2026-03-04T10:00:30.000Z',
  ),
  // Never in the book: its hold was refused.
  cancelled(
    {
      marketId: M1,
      orderId: 'b3',
      side: 'bid',
      price: 1_900_000,
      gpus: 10,
      reason: 'FUNDS_REJECTED',
      holdReleased: 0,
    },
    '2026-03-04T10:00:40.000Z',
  ),
  accepted(
    { marketId: M1, orderId: 'a4', side: 'ask', price: 1_900_000, gpus: 2 },
    '2026-03-04T10:01:10.000Z',
  ),
  traded(
    {
      marketId: M1,
      tradeId: 'm1-t3',
      bidId: 'b1',
      askId: 'a4',
      price: 1_900_000,
      bidPrice: 1_900_000,
      askPrice: 1_900_000,
      gpus: 2,
    },
    '2026-03-04T10:01:10.000Z',
  ),
  accepted({ marketId: M2, orderId: 'x1', side: 'ask', price: 500_000, gpus: 1 }, '2026-03-04T11:00:00.000Z'),
  accepted({ marketId: M2, orderId: 'y1', side: 'bid', price: 600_000, gpus: 2 }, '2026-03-04T11:00:05.000Z'),
  traded(
    {
      marketId: M2,
      tradeId: 'm2-t1',
      bidId: 'y1',
      askId: 'x1',
      price: 500_000,
      bidPrice: 600_000,
      askPrice: 500_000,
      gpus: 1,
      hours: 3,
    },
    '2026-03-04T11:00:05.000Z',
  ),
];

describe('pricing projection', () => {
  it('keeps each book exact: IOC remainder, sweeps at the makers prices, refused funds, two markets', () => {
    const { model } = fold(events);
    expect(book(model, M1, 'bid')).toEqual([[1_900_000, 1]]);
    expect(book(model, M1, 'ask')).toEqual([[2_200_000, 5]]);
    // Emptied levels stay at 0 in the levels, and leave the price index (readers walk only live ones).
    expect(hash(model, K.bookLevels(M1, 'ask'))).toEqual({
      '1900000': '0',
      '2000000': '0',
      '2100000': '0',
      '2200000': '5',
    });
    expect(hash(model, K.bookPrices(M1, 'bid'))).toEqual({ '1900000': '1900000' });
    expect(hash(model, K.bookPrices(M1, 'ask'))).toEqual({ '2200000': '2200000' });
    expect(book(model, M2, 'bid')).toEqual([[600_000, 1]]);
    expect(book(model, M2, 'ask')).toEqual([]);
  });

  it('keeps the last trade and the totals per market in the ticker', () => {
    const { model } = fold(events);
    expect(hash(model, K.ticker(M1))).toEqual({
      last: '1900000',
      lastTime: '2026-03-04T10:01:10.000Z',
      lastTradeId: 'm1-t3',
      trades: '3',
      volume: String(8 * 2 + 4 * 2 + 2),
      value: String(8 * 2 * 2_000_000 + 4 * 2 * 2_100_000 + 2 * 1_900_000),
    });
    expect(hash(model, K.ticker(M2))).toEqual({
      last: '500000',
      lastTime: '2026-03-04T11:00:05.000Z',
      lastTradeId: 'm2-t1',
      trades: '1',
      volume: '3',
      value: '1500000',
    });
  });

  it('builds OHLC candles per interval, keyed and indexed by bucket start', () => {
    const { model } = fold(events);
    const minute10 = t('2026-03-04T10:00:00Z');
    const minute11 = t('2026-03-04T10:01:00Z');
    expect(hash(model, K.candle(M1, '1m', minute10))).toEqual({
      open: '2000000',
      high: '2100000',
      low: '2000000',
      close: '2100000',
      volume: '24',
      value: '48800000',
      trades: '2',
    });
    expect(hash(model, K.candle(M1, '1m', minute11))).toEqual({
      open: '1900000',
      high: '1900000',
      low: '1900000',
      close: '1900000',
      volume: '2',
      value: '3800000',
      trades: '1',
    });
    const hourly = {
      open: '2000000',
      high: '2100000',
      low: '1900000',
      close: '1900000',
      volume: '26',
      value: '52600000',
      trades: '3',
    };
    expect(hash(model, K.candle(M1, '1h', t('2026-03-04T10:00:00Z')))).toEqual(hourly);
    expect(hash(model, K.candle(M1, '1d', t('2026-03-04T00:00:00Z')))).toEqual(hourly);
    expect(hash(model, K.candleStarts(M1, '1m'))).toEqual({
      [minute10]: String(minute10),
      [minute11]: String(minute11),
    });
    expect(hash(model, K.candleStarts(M2, '1h'))).toEqual({
      [t('2026-03-04T11:00:00Z')]: String(t('2026-03-04T11:00:00Z')),
    });
    expect(hash(model, K.candle(M2, '1h', t('2026-03-04T11:00:00Z')))).toEqual({
      open: '500000',
      high: '500000',
      low: '500000',
      close: '500000',
      volume: '3',
      value: '1500000',
      trades: '1',
    });
  });

  it('lists the trades of each market in log order', () => {
    const { model } = fold(events);
    expect((model.get(K.trades(M1)) as string[]).map((s) => JSON.parse(s))).toEqual([
      {
        marketId: M1,
        tradeId: 'm1-t1',
        price: 2_000_000,
        gpus: 8,
        hours: 2,
        value: 32_000_000,
        time: '2026-03-04T10:00:30.000Z',
      },
      {
        marketId: M1,
        tradeId: 'm1-t2',
        price: 2_100_000,
        gpus: 4,
        hours: 2,
        value: 16_800_000,
        time: '2026-03-04T10:00:30.000Z',
      },
      {
        marketId: M1,
        tradeId: 'm1-t3',
        price: 1_900_000,
        gpus: 2,
        hours: 1,
        value: 3_800_000,
        time: '2026-03-04T10:01:10.000Z',
      },
    ]);
    expect(model.get(K.trades(M2))).toHaveLength(1);
  });

  it('keeps the side that took in each listed and published trade, and none for a trade from before it was recorded', () => {
    // Both limits are the price in each: only the trade tells which order came to the other.
    const M3 = 'm3';
    const at = '2026-03-04T12:00:00.000Z';
    const trade = (tradeId: string, takerSide?: 'bid' | 'ask') =>
      traded(
        {
          marketId: M3,
          tradeId,
          bidId: `b-${tradeId}`,
          askId: `a-${tradeId}`,
          price: 1_000_000,
          bidPrice: 1_000_000,
          askPrice: 1_000_000,
          gpus: 1,
          ...(takerSide ? { takerSide } : {}),
        },
        at,
      );
    const { model, published } = fold([
      marketOpened({ marketId: M3 }, at),
      trade('m3-t1'),
      trade('m3-t2', 'bid'),
      trade('m3-t3', 'ask'),
    ]);
    const record = (tradeId: string) => ({
      marketId: M3,
      tradeId,
      price: 1_000_000,
      gpus: 1,
      hours: 1,
      value: 1_000_000,
      time: at,
    });
    const listed = [
      record('m3-t1'),
      { ...record('m3-t2'), takerSide: 'bid' },
      { ...record('m3-t3'), takerSide: 'ask' },
    ];
    expect((model.get(K.trades(M3)) as string[]).map((s) => JSON.parse(s))).toEqual(listed);
    expect(
      published.filter((p) => p.channel === K.channels.trades(M3)).map((p) => JSON.parse(p.message)),
    ).toEqual(listed);
  });

  it('records the markets with their specs and status', () => {
    const { model } = fold([...events, marketClosed(M2, '2026-03-04T12:00:00.000Z')]);
    expect(hash(model, K.market(M1))).toEqual({
      gpuClass: 'H100-80GB',
      minTflopsPerGpu: '400',
      tickSize: '10000',
      feeRateBps: '25',
      status: 'open',
      openedAt: '2026-03-04T09:59:00.000Z',
    });
    expect(hash(model, K.market(M2))).toMatchObject({
      gpuClass: 'L4',
      minTflopsPerGpu: '0',
      status: 'closed',
      closedAt: '2026-03-04T12:00:00.000Z',
    });
    expect(hash(model, K.markets)).toEqual({
      [M1]: String(t('2026-03-04T09:59:00Z')),
      [M2]: String(t('2026-03-04T09:59:01Z')),
    });
  });

  it('publishes book, trade and ticker notices per market, and nothing for a bid that never rested', () => {
    const { published } = fold(events.slice(6, 11));
    const notice = JSON.stringify({ marketId: M1 });
    expect(published).toEqual([
      { channel: K.channels.book(M1), message: notice },
      { channel: K.channels.ticker(M1), message: notice },
      {
        channel: K.channels.trades(M1),
        message: JSON.stringify({
          marketId: M1,
          tradeId: 'm1-t1',
          price: 2_000_000,
          gpus: 8,
          hours: 2,
          value: 32_000_000,
          time: '2026-03-04T10:00:30.000Z',
        }),
      },
      { channel: K.channels.book(M1), message: notice },
      { channel: K.channels.ticker(M1), message: notice },
      { channel: K.channels.trades(M1), message: expect.stringContaining('"tradeId":"m1-t2"') },
      { channel: K.channels.book(M1), message: notice },
      { channel: K.channels.ticker(M1), message: notice },
      // The IOC remainder; the refused bid publishes nothing.
      { channel: K.channels.book(M1), message: notice },
      { channel: K.channels.ticker(M1), message: notice },
    ]);
  });

  it("publishes a market's close on its book channel as well as its ticker's, an empty book's included, and last on its trades channel", () => {
    const { published } = fold([marketClosed(M2, '2026-03-04T12:00:00.000Z')]);
    const notice = JSON.stringify({ marketId: M2 });
    expect(published).toEqual([
      { channel: K.channels.book(M2), message: notice },
      { channel: K.channels.ticker(M2), message: notice },
      { channel: K.channels.trades(M2), message: MARKET_CLOSED_MESSAGE },
    ]);
    // Not JSON: a gateway from before it, parsing each message as a trade, drops it.
    expect(() => JSON.parse(MARKET_CLOSED_MESSAGE)).toThrow();
  });

  it('writes only under its prefix, and ignores the other orders events', () => {
    const projection = pricingProjection(TOPIC);
    const ops = events.flatMap((e) => projection.apply(e, { topic: TOPIC, partition: 0, offset: '0' }));
    expect(ops.every((o) => o.key.startsWith(K.prefix))).toBe(true);
    const other = { ...events[2]!, type: OrdersEvents.bidAwaitingFunds.type };
    expect(projection.apply(other, { topic: TOPIC, partition: 0, offset: '0' })).toEqual([]);
    expect(projection.apply(events[2]!, { topic: 'other.events', partition: 0, offset: '0' })).toEqual([]);
  });
});
