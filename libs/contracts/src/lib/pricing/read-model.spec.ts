import { bucketStart, indexPrice, perTflopHour, pricingReadModel, rollingWindow, vwap } from './read-model';

const t = (iso: string) => Date.parse(iso);

describe('pricing read model', () => {
  it('keys every candle by the UTC start of its bucket', () => {
    const at = t('2026-03-04T05:06:07.890Z');
    expect(bucketStart('1m', at)).toBe(t('2026-03-04T05:06:00Z'));
    expect(bucketStart('1h', at)).toBe(t('2026-03-04T05:00:00Z'));
    expect(bucketStart('1d', at)).toBe(t('2026-03-04T00:00:00Z'));
    expect(pricingReadModel.candle('gpu:h100', '1h', bucketStart('1h', at))).toBe(
      `pricing:candles:8.gpu:h100:2.1h:13.${t('2026-03-04T05:00:00Z')}`,
    );
  });

  it('keeps every key and channel under its prefix', () => {
    const m = 'm-1';
    const keys = [
      pricingReadModel.markets,
      pricingReadModel.market(m),
      pricingReadModel.bookLevels(m, 'bid'),
      pricingReadModel.bookPrices(m, 'ask'),
      pricingReadModel.ticker(m),
      pricingReadModel.candleStarts(m, '1d'),
      pricingReadModel.candle(m, '1m', 0),
      pricingReadModel.trades(m),
    ];
    for (const key of keys) expect(key.startsWith(pricingReadModel.prefix)).toBe(true);
    for (const channel of Object.values(pricingReadModel.channels))
      expect(channel(m).startsWith(pricingReadModel.channelsPrefix)).toBe(true);
  });

  describe('rollingWindow', () => {
    it('covers the last 24 h to the minute with minute candles up to the first full hour, then hourly ones', () => {
      expect(rollingWindow(t('2026-03-04T05:06:07Z'), 24 * 60)).toEqual({
        minutes: { from: t('2026-03-03T05:07:00Z'), to: t('2026-03-03T05:59:00Z') },
        hours: { from: t('2026-03-03T06:00:00Z'), to: t('2026-03-04T05:00:00Z') },
      });
    });

    it('reads only hourly candles when the window starts on the hour', () => {
      expect(rollingWindow(t('2026-03-04T05:59:30Z'), 60)).toEqual({
        minutes: null,
        hours: { from: t('2026-03-04T05:00:00Z'), to: t('2026-03-04T05:00:00Z') },
      });
    });

    it('reads only minute candles when the window lies within one hour', () => {
      expect(rollingWindow(t('2026-03-04T05:30:00Z'), 10)).toEqual({
        minutes: { from: t('2026-03-04T05:21:00Z'), to: t('2026-03-04T05:30:00Z') },
        hours: null,
      });
    });

    it('is the last hour to the minute: the minutes of the previous hour, then the current hour', () => {
      expect(rollingWindow(t('2026-03-04T05:06:07Z'), 60)).toEqual({
        minutes: { from: t('2026-03-04T04:07:00Z'), to: t('2026-03-04T04:59:00Z') },
        hours: { from: t('2026-03-04T05:00:00Z'), to: t('2026-03-04T05:00:00Z') },
      });
    });
  });

  it('rounds VWAP and per-TFLOP prices to the nearest minor unit, halves up, exactly', () => {
    expect(vwap(0, 0)).toBeNull();
    expect(vwap(3 * 1_000_001 + 1_000_000, 4)).toBe(1_000_001); // 4_000_003 / 4 = 1_000_000.75
    expect(vwap(5, 2)).toBe(3);
    expect(vwap(Number.MAX_SAFE_INTEGER, 2)).toBe(4_503_599_627_370_496);
    expect(perTflopHour(2_000_000, 400)).toBe(5_000);
    expect(perTflopHour(2_000_000, 0)).toBeNull();
  });

  it('averages a sum of value past 2^53 exactly, and gives no per-TFLOP price that is no exact amount', () => {
    // A day of trades worth more than 2^53 micro-USD in all, each at a safe price.
    expect(vwap(3n * 10n ** 15n * 10n + 2n, 30)).toBe(10 ** 15); // 10^15 + 0.07, rounded
    expect(vwap(3n * 10n ** 15n + 2n, 3)).toBe(10 ** 15 + 1); // 10^15 + 0.67, rounded
    expect(vwap(2n ** 60n, 2 ** 10)).toBe(2 ** 50);
    // A market whose minimum is a hundred-thousandth of a TFLOP/s: $90,072 per GPU-hour would be
    // 9 × 10^15 micro-USD per TFLOP-hour, past what the API can write exactly.
    expect(perTflopHour(90_072_000_000, 0.00001)).toBeNull();
    expect(perTflopHour(9_000_000, 0.00001)).toBe(900_000_000_000);
    expect(perTflopHour(1, 5e-324)).toBeNull();
    expect(perTflopHour(1, Number.NaN)).toBeNull();
    expect(
      indexPrice({ hourValue: 0, hourGpuHours: 0, last: 90_072_000_000, minTflopsPerGpu: 0.00001 }),
    ).toEqual({
      price: 90_072_000_000,
      source: 'last',
      perTflopHour: null,
    });
  });

  it('defines the index as the last hour VWAP, else the last price, else nothing', () => {
    expect(indexPrice({ hourValue: 30, hourGpuHours: 4, last: 9, minTflopsPerGpu: 2 })).toEqual({
      price: 8,
      source: 'vwap-1h',
      perTflopHour: 4,
    });
    expect(indexPrice({ hourValue: 0, hourGpuHours: 0, last: 9, minTflopsPerGpu: 0 })).toEqual({
      price: 9,
      source: 'last',
      perTflopHour: null,
    });
    expect(indexPrice({ hourValue: 0, hourGpuHours: 0, last: null, minTflopsPerGpu: 2 })).toEqual({
      price: null,
      source: null,
      perTflopHour: null,
    });
  });
});
