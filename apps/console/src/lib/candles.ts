// Candles for the chart: the API's candles, and the live one folded from trades as they come.
import { usdToNumber } from './usd';

export interface ApiCandle {
  start: string;
  open: string;
  high: string;
  low: string;
  close: string;
}

export interface TradeLike {
  id: string;
  price: string;
  gpus: number;
  hours: number;
  time: string;
}

export interface ChartCandle {
  /** Seconds since the epoch, UTC: the start of the interval. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

export function toChartCandle(c: ApiCandle): ChartCandle {
  return {
    time: Math.floor(Date.parse(c.start) / 1000),
    open: usdToNumber(c.open),
    high: usdToNumber(c.high),
    low: usdToNumber(c.low),
    close: usdToNumber(c.close),
  };
}

/**
 * The candle of the trade's interval after the trade: the last candle extended when the trade
 * falls in it, a new one when it starts a later interval, and null for a trade older than the
 * last candle (the chart cannot change the past; the next load shows it).
 */
export function foldTrade(
  last: ChartCandle | undefined,
  trade: TradeLike,
  intervalSeconds: number,
): ChartCandle | null {
  const seconds = Math.floor(Date.parse(trade.time) / 1000);
  const start = seconds - (seconds % intervalSeconds);
  const price = usdToNumber(trade.price);
  if (!last || start > last.time) return { time: start, open: price, high: price, low: price, close: price };
  if (start < last.time) return null;
  return { ...last, high: Math.max(last.high, price), low: Math.min(last.low, price), close: price };
}
