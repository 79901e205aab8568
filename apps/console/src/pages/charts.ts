// The console's charts (lightweight-charts): candles over time, the book's depth over price, and a
// node's measured TFLOP/s over time, f32 and f16 apart, against its model's peaks.
import {
  AreaSeries,
  AutoscaleInfo,
  CandlestickSeries,
  ColorType,
  createChart,
  createOptionsChart,
  IChartApiBase,
  LineSeries,
  LineStyle,
  LineType,
  UTCTimestamp,
} from 'lightweight-charts';
import type { ChartCandle } from '../lib/candles';
import { tflopsDecimals, type CertificationChart } from '../lib/certifications';
import { depthGrid, type DepthPoint, type GridPoint } from '../lib/depth';

const base = {
  autoSize: true,
  layout: {
    background: { type: ColorType.Solid, color: '#111722' },
    textColor: '#c9d1e0',
    attributionLogo: true,
  },
  grid: { vertLines: { color: '#1e2736' }, horzLines: { color: '#1e2736' } },
};

export interface CandleChart {
  set(candles: ChartCandle[]): void;
  update(candle: ChartCandle): void;
  last(): ChartCandle | undefined;
  remove(): void;
}

export function candleChart(container: HTMLElement): CandleChart {
  const chart = createChart(container, { ...base, timeScale: { timeVisible: true, secondsVisible: false } });
  const series = chart.addSeries(CandlestickSeries, {
    upColor: '#2ebd85',
    downColor: '#f6465d',
    wickUpColor: '#2ebd85',
    wickDownColor: '#f6465d',
    borderVisible: false,
  });
  let latest: ChartCandle | undefined;
  const asBar = (c: ChartCandle) => ({ ...c, time: c.time as UTCTimestamp });
  return {
    set(candles) {
      series.setData(candles.map(asBar));
      latest = candles[candles.length - 1];
      chart.timeScale().fitContent();
    },
    update(candle) {
      series.update(asBar(candle));
      latest = candle;
    },
    last: () => latest,
    remove: () => chart.remove(),
  };
}

export interface DepthChart {
  /** Both sides, drawn on an even grid of the market's tick (US dollars). */
  set(bids: DepthPoint[], asks: DepthPoint[], tick: number): void;
  remove(): void;
}

export function depthChart(container: HTMLElement): DepthChart {
  // The horizontal axis is the price, US dollars per GPU-hour, to the cent.
  const chart: IChartApiBase<number> = createOptionsChart(container, {
    ...base,
    localization: { precision: 2 },
  });
  const side = (color: string, fill: string) =>
    chart.addSeries(AreaSeries, {
      lineColor: color,
      topColor: fill,
      bottomColor: fill,
      lineType: LineType.WithSteps,
      lineWidth: 2,
      priceFormat: { type: 'volume' },
      // GPUs from zero, so the areas show how much each side holds.
      autoscaleInfoProvider: (original: () => AutoscaleInfo | null) => {
        const range = original()?.priceRange;
        return range ? { priceRange: { minValue: 0, maxValue: range.maxValue * 1.1 } } : null;
      },
    });
  const bids = side('#2ebd85', 'rgba(46,189,133,0.25)');
  const asks = side('#f6465d', 'rgba(246,70,93,0.25)');
  const points = (ps: GridPoint[]) =>
    ps.map((p) => (p.gpus === undefined ? { time: p.price } : { time: p.price, value: p.gpus }));
  return {
    set(b, a, tick) {
      const grid = depthGrid(b, a, tick);
      bids.setData(points(grid.bids));
      asks.setData(points(grid.asks));
      // A margin of 3 % each side, so the outermost levels are not on the edge.
      const n = grid.bids.length;
      chart.timeScale().setVisibleLogicalRange({ from: -0.03 * n, to: n * 1.03 });
    },
    remove: () => chart.remove(),
  };
}

/** How each precision's series is drawn, and its legend's swatch (`border`, the CSS border style). */
export const CERTIFICATION_SERIES = {
  f32: {
    color: '#4fa3ff',
    lineStyle: LineStyle.Solid,
    border: 'solid',
    label: 'f32 TFLOP/s per GPU (right scale)',
  },
  f16: {
    color: '#3ddc97',
    lineStyle: LineStyle.Dashed,
    border: 'dashed',
    label: 'f16 TFLOP/s per GPU (left scale)',
  },
} as const;

/**
 * A node's certifications: f32 (certificates by f32 challenge or by an admin, spot checks) on the
 * right scale against the model's f32 peak, f16 certificates apart on the left scale against its
 * f16 peak (f16 runs an order of magnitude above f32: on one scale f32 would lie flat at zero).
 */
export function certificationsChart(container: HTMLElement, data: CertificationChart): () => void {
  const withF16 = data.f16.length > 0;
  const chart = createChart(container, {
    ...base,
    timeScale: { timeVisible: true, secondsVisible: true },
    leftPriceScale: { visible: withF16 },
  });
  const series = (precision: 'f32' | 'f16', points: CertificationChart['f32'], peak: number | null) => {
    // Decimals enough for the largest figure shown (a software adapter's 0.0104 is not "0.01").
    const decimals = tflopsDecimals(Math.max(peak ?? 0, ...points.map((p) => p.tflopsPerGpu)), 2);
    const style = CERTIFICATION_SERIES[precision];
    const line = chart.addSeries(LineSeries, {
      color: style.color,
      lineStyle: style.lineStyle,
      lineWidth: 2,
      pointMarkersVisible: true,
      title: `${precision} measured`,
      priceScaleId: precision === 'f32' ? 'right' : 'left',
      priceFormat: { type: 'price', precision: decimals, minMove: 10 ** -decimals },
      // From zero to above the peak, so the distance between them shows.
      autoscaleInfoProvider: (original: () => AutoscaleInfo | null) => {
        const range = original()?.priceRange;
        const top = Math.max(range?.maxValue ?? 0, peak ?? 0);
        return { priceRange: { minValue: 0, maxValue: top * 1.1 || 1 } };
      },
    });
    line.setData(points.map((p) => ({ time: p.time as UTCTimestamp, value: p.tflopsPerGpu })));
    if (peak !== null)
      line.createPriceLine({
        price: peak,
        color: style.color,
        lineStyle: LineStyle.Dotted,
        lineWidth: 1,
        axisLabelVisible: true,
        title: `${precision} model peak`,
      });
  };
  series('f32', data.f32, data.peakPerGpu);
  if (withF16) series('f16', data.f16, data.peakF16PerGpu);
  chart.timeScale().fitContent();
  return () => chart.remove();
}
