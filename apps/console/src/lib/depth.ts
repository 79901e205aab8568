// The depth chart's data: the cumulative GPUs a price reaches into each side of the book.
import { usdToNumber } from './usd';

export interface BookLevel {
  price: string;
  gpus: number;
}

export interface DepthPoint {
  /** The price, US dollars per GPU-hour (the chart's horizontal axis). */
  price: number;
  /** GPUs available at this price or better. */
  gpus: number;
}

/**
 * One side's cumulative depth, in ascending price (as the chart wants it): for bids the GPUs
 * bid at this price or higher, for asks the GPUs asked at this price or lower. Levels of the same
 * price are added together; levels of no GPUs are left out.
 */
export function depthOf(levels: readonly BookLevel[], side: 'bids' | 'asks'): DepthPoint[] {
  const byPrice = new Map<number, number>();
  for (const level of levels) {
    if (level.gpus <= 0) continue;
    const price = usdToNumber(level.price);
    byPrice.set(price, (byPrice.get(price) ?? 0) + level.gpus);
  }
  // Best first: the highest bid, the lowest ask.
  const best = [...byPrice.entries()].sort(([a], [b]) => (side === 'bids' ? b - a : a - b));
  let total = 0;
  const points = best.map(([price, gpus]) => ({ price, gpus: (total += gpus) }));
  return side === 'bids' ? points.reverse() : points;
}

/** The spread between the best ask and the best bid, when both sides have one. */
export function spreadOf(bids: readonly BookLevel[], asks: readonly BookLevel[]): number | null {
  const bid = Math.max(...bids.map((l) => usdToNumber(l.price)));
  const ask = Math.min(...asks.map((l) => usdToNumber(l.price)));
  return Number.isFinite(bid) && Number.isFinite(ask) ? Math.round((ask - bid) * 1e6) / 1e6 : null;
}

/** A point of the depth chart's grid: GPUs at the price, or none (the side does not reach it). */
export interface GridPoint {
  price: number;
  gpus?: number;
}

/**
 * Both sides on one grid of prices, evenly spaced from the lowest level to the highest (the chart
 * spaces points evenly, so an even grid keeps distances true to price): a multiple of the tick,
 * at most about `maxPoints` points. A side has no GPUs where it does not reach (across the spread).
 */
export function depthGrid(
  bids: readonly DepthPoint[],
  asks: readonly DepthPoint[],
  tick: number,
  maxPoints = 600,
): { bids: GridPoint[]; asks: GridPoint[] } {
  const micros = (x: number) => Math.round(x * 1e6);
  const prices = [...bids, ...asks].map((p) => micros(p.price));
  if (prices.length === 0 || !(tick > 0)) return { bids: [], asks: [] };
  const low = Math.min(...prices);
  const high = Math.max(...prices);
  const tickMicros = Math.max(1, micros(tick));
  const step = tickMicros * Math.max(1, Math.ceil((high - low) / tickMicros / maxPoints));
  const grid: number[] = [];
  for (let p = low; p < high + step; p += step) grid.push(Math.min(p, high));
  // Bids and asks come in ascending price: the best bid last, the best ask first.
  const bestBid = bids.length ? Math.max(...bids.map((b) => micros(b.price))) : -Infinity;
  const bestAsk = asks.length ? Math.min(...asks.map((a) => micros(a.price))) : Infinity;
  return {
    // GPUs bid at p or higher: the first bid level at or above p.
    bids: grid.map((p) => {
      const level = p <= bestBid ? bids.find((b) => micros(b.price) >= p) : undefined;
      return level ? { price: p / 1e6, gpus: level.gpus } : { price: p / 1e6 };
    }),
    // GPUs asked at p or lower: the last ask level at or below p.
    asks: grid.map((p) => {
      const level = p >= bestAsk ? asks.filter((a) => micros(a.price) <= p).pop() : undefined;
      return level ? { price: p / 1e6, gpus: level.gpus } : { price: p / 1e6 };
    }),
  };
}
