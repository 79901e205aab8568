import {
  BookSide,
  CandleInterval,
  INDEX_WINDOW_MINUTES,
  indexPrice,
  pricingReadModel as K,
  rollingWindow,
  TICKER_WINDOW_MINUTES,
  TradeRecord,
  vwap,
} from '@gpux/contracts';
import type Redis from 'ioredis';
import { list, Paged } from './paged';

export interface BookLevel {
  /** Limit price per GPU-hour, minor units. */
  price: number;
  gpus: number;
}

export interface DepthView {
  marketId: string;
  /** Best (highest) first. */
  bids: BookLevel[];
  /** Best (lowest) first. */
  asks: BookLevel[];
}

export interface MarketView {
  marketId: string;
  gpuClass: string;
  minTflopsPerGpu: number;
  tickSize: number;
  feeRateBps: number;
  status: 'open' | 'closed';
  openedAt: string;
  closedAt: string | null;
}

/** Sums of the trades in a rolling window. */
export interface WindowTotals {
  trades: number;
  /** GPU-hours. */
  volume: number;
  /** Minor units: a sum, exact past 2^53 (Redis counts it in 64 bits). */
  value: bigint;
  /** value / volume per GPU-hour, rounded; null without trades. */
  vwap: number | null;
}

export interface TickerView {
  marketId: string;
  last: number | null;
  lastTime: string | null;
  lastTradeId: string | null;
  bestBid: BookLevel | null;
  bestAsk: BookLevel | null;
  /** The last 24 h, exact to the minute (rollingWindow). */
  day: WindowTotals;
  /** Since the market opened. */
  total: { trades: number; volume: number; value: bigint };
}

export interface CandleView {
  interval: CandleInterval;
  /** Bucket start, ISO (UTC). */
  start: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Minor units: a sum, exact past 2^53. */
  value: bigint;
  trades: number;
}

export interface IndexView {
  marketId: string;
  /** The index price per GPU-hour (see indexPrice in the contracts); null if it never traded. */
  price: number | null;
  source: 'vwap-1h' | 'last' | null;
  /** Per certified TFLOP-hour at the market's minimum certification; null without one. */
  perTflopHour: number | null;
  minTflopsPerGpu: number;
}

export const MAX_BOOK_LEVELS = 100;
export const MAX_PAGE = 1_000;

const int = (value: string | null | undefined): number => Number(value ?? 0);
/** A sum of money as Redis counts it (a 64-bit integer): exact where a number would round. */
const sum = (value: string | null | undefined): bigint => BigInt(value ?? 0);
const bounded = (n: number, max: number) => Math.max(1, Math.min(Math.floor(n), max));

/**
 * Reads pricing's read model (pricingReadModel in the contracts). Every read is bounded: a few
 * commands per call, whatever the size of the history.
 */
export class PricingQueries {
  constructor(
    private readonly redis: Redis,
    private readonly clock: () => number = Date.now,
  ) {}

  async market(marketId: string): Promise<MarketView | null> {
    const h = await this.redis.hgetall(K.market(marketId));
    if (!h['gpuClass']) return null;
    return {
      marketId,
      gpuClass: h['gpuClass'],
      minTflopsPerGpu: Number(h['minTflopsPerGpu'] ?? 0),
      tickSize: int(h['tickSize']),
      feeRateBps: int(h['feeRateBps']),
      status: h['status'] === 'closed' ? 'closed' : 'open',
      openedAt: h['openedAt'] ?? '',
      closedAt: h['closedAt'] ?? null,
    };
  }

  /** The markets' ids, in the order they opened. */
  markets(limit = MAX_PAGE): Promise<string[]> {
    return this.redis.zrange(K.markets, 0, bounded(limit, MAX_PAGE) - 1);
  }

  async depth(marketId: string, levels = 10): Promise<DepthView> {
    const n = bounded(levels, MAX_BOOK_LEVELS);
    const [bids, asks] = await Promise.all([this.side(marketId, 'bid', n), this.side(marketId, 'ask', n)]);
    return { marketId, bids, asks };
  }

  /**
   * The best `n` levels of one side: walks the price index from the best end, a chunk at a time,
   * skipping levels at 0 (the depth projection takes an emptied level out of the index; one left
   * by a fold before it did stays until the read model is rebuilt).
   */
  private async side(marketId: string, side: BookSide, n: number): Promise<BookLevel[]> {
    const out: BookLevel[] = [];
    const chunk = Math.max(2 * n, 32);
    for (let at = 0; out.length < n; at += chunk) {
      const prices =
        side === 'bid'
          ? await this.redis.zrevrange(K.bookPrices(marketId, side), at, at + chunk - 1)
          : await this.redis.zrange(K.bookPrices(marketId, side), at, at + chunk - 1);
      if (prices.length === 0) break;
      const gpus = await this.redis.hmget(K.bookLevels(marketId, side), ...prices);
      prices.forEach((price, i) => {
        const g = int(gpus[i]);
        if (g > 0 && out.length < n) out.push({ price: Number(price), gpus: g });
      });
      if (prices.length < chunk) break;
    }
    return out;
  }

  async ticker(marketId: string, now = this.clock()): Promise<TickerView> {
    const [h, depth, day] = await Promise.all([
      this.redis.hgetall(K.ticker(marketId)),
      this.depth(marketId, 1),
      this.window(marketId, now, TICKER_WINDOW_MINUTES),
    ]);
    return {
      marketId,
      last: h['last'] ? Number(h['last']) : null,
      lastTime: h['lastTime'] ?? null,
      lastTradeId: h['lastTradeId'] ?? null,
      bestBid: depth.bids[0] ?? null,
      bestAsk: depth.asks[0] ?? null,
      day,
      total: { trades: int(h['trades']), volume: int(h['volume']), value: sum(h['value']) },
    };
  }

  async index(marketId: string, now = this.clock()): Promise<IndexView> {
    const [last, market, hour] = await Promise.all([
      this.redis.hget(K.ticker(marketId), 'last'),
      this.market(marketId),
      this.window(marketId, now, INDEX_WINDOW_MINUTES),
    ]);
    const minTflopsPerGpu = market?.minTflopsPerGpu ?? 0;
    return {
      marketId,
      ...indexPrice({
        hourValue: hour.value,
        hourGpuHours: hour.volume,
        last: last ? Number(last) : null,
        minTflopsPerGpu,
      }),
      minTflopsPerGpu,
    };
  }

  /** Sums of the trades of the last `minutes` minutes, from at most 59 minute and 24 hour candles. */
  async window(marketId: string, now: number, minutes: number): Promise<WindowTotals> {
    const ranges = rollingWindow(now, minutes);
    const keysOf = async (
      interval: CandleInterval,
      range: { from: number; to: number } | null,
    ): Promise<string[]> =>
      range
        ? (await this.redis.zrangebyscore(K.candleStarts(marketId, interval), range.from, range.to)).map(
            (start) => K.candle(marketId, interval, Number(start)),
          )
        : [];
    const keys = (await Promise.all([keysOf('1m', ranges.minutes), keysOf('1h', ranges.hours)])).flat();
    const rows = await Promise.all(keys.map((key) => this.redis.hmget(key, 'trades', 'volume', 'value')));
    const totals = { trades: 0, volume: 0, value: 0n };
    for (const [trades, volume, value] of rows) {
      totals.trades += int(trades);
      totals.volume += int(volume);
      totals.value += sum(value);
    }
    return { ...totals, vwap: vwap(totals.value, totals.volume) };
  }

  /** The latest `limit` candles starting in [from, to] (epoch ms), oldest first. */
  async candles(
    marketId: string,
    interval: CandleInterval,
    options: { from?: number; to?: number; limit?: number } = {},
  ): Promise<CandleView[]> {
    const limit = bounded(options.limit ?? 100, MAX_PAGE);
    const starts = await this.redis.zrevrangebyscore(
      K.candleStarts(marketId, interval),
      options.to ?? '+inf',
      options.from ?? '-inf',
      'LIMIT',
      0,
      limit,
    );
    const hashes = await Promise.all(
      starts.reverse().map((start) => this.redis.hgetall(K.candle(marketId, interval, Number(start)))),
    );
    return hashes.map((h, i) => ({
      interval,
      start: new Date(Number(starts[i])).toISOString(),
      open: int(h['open']),
      high: int(h['high']),
      low: int(h['low']),
      close: int(h['close']),
      volume: int(h['volume']),
      value: sum(h['value']),
      trades: int(h['trades']),
    }));
  }

  /** The market's trades, oldest first, a slice at a time. */
  tradeLog(marketId: string): Paged<TradeRecord> {
    return list(this.redis, K.trades(marketId), (s) => JSON.parse(s) as TradeRecord);
  }

  /** The latest `limit` trades, newest first. */
  async trades(marketId: string, limit = 50): Promise<TradeRecord[]> {
    const raw = await this.redis.lrange(K.trades(marketId), -bounded(limit, MAX_PAGE), -1);
    return raw.reverse().map((s) => JSON.parse(s) as TradeRecord);
  }
}
