import { foldTrade, toChartCandle } from './candles';

const trade = (time: string, price: string) => ({ id: time, price, gpus: 1, hours: 1, time });

describe('toChartCandle', () => {
  it('turns an API candle into seconds and numbers', () => {
    expect(
      toChartCandle({
        start: '2026-11-30T14:05:00.000Z',
        open: '2.000000',
        high: '2.500000',
        low: '1.900000',
        close: '2.100000',
      }),
    ).toEqual({ time: Date.UTC(2026, 10, 30, 14, 5) / 1000, open: 2, high: 2.5, low: 1.9, close: 2.1 });
  });
});

describe('foldTrade', () => {
  const minute = Date.UTC(2026, 10, 30, 14, 5) / 1000;
  const last = { time: minute, open: 2, high: 2.5, low: 1.9, close: 2.1 };

  it('extends the last candle with a trade of its interval', () => {
    expect(foldTrade(last, trade('2026-11-30T14:05:42.120Z', '2.600000'), 60)).toEqual({
      ...last,
      high: 2.6,
      close: 2.6,
    });
    expect(foldTrade(last, trade('2026-11-30T14:05:59.999Z', '1.800000'), 60)).toEqual({
      ...last,
      low: 1.8,
      close: 1.8,
    });
  });

  it('starts a new candle at the start of a later interval', () => {
    expect(foldTrade(last, trade('2026-11-30T14:07:10.000Z', '2.200000'), 60)).toEqual({
      time: minute + 120,
      open: 2.2,
      high: 2.2,
      low: 2.2,
      close: 2.2,
    });
    expect(foldTrade(undefined, trade('2026-11-30T14:05:10.000Z', '2.200000'), 3600)).toMatchObject({
      time: Date.UTC(2026, 10, 30, 14) / 1000,
    });
  });

  it('leaves a trade older than the last candle to the next load', () => {
    expect(foldTrade(last, trade('2026-11-30T14:04:59.000Z', '2.200000'), 60)).toBeNull();
  });
});
