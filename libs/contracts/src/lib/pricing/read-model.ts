import { redisKey } from '../redis-key';

/**
 * pricing's read model in Redis, as a contract: the pricing service folds `orders.events` into it,
 * the gateway reads it and subscribes to its channels. Everything is integers in minor units
 * (micro-USD) per GPU-hour, or GPU-hours, written as decimal strings; times are ISO-8601 (UTC)
 * in values and epoch milliseconds in keys and scores. Market ids may hold `:`: keys are built
 * by these functions (with redisKey, see redis-key.ts), never parsed.
 */

export type BookSide = 'bid' | 'ask';

export const CANDLE_INTERVALS = ['1m', '1h', '1d'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];
export const CANDLE_INTERVAL_MS: Record<CandleInterval, number> = {
  '1m': 60_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
};

/** The start (epoch ms, UTC) of the bucket of `interval` holding `timeMs`: candles are keyed by it. */
export function bucketStart(interval: CandleInterval, timeMs: number): number {
  const size = CANDLE_INTERVAL_MS[interval];
  return Math.floor(timeMs / size) * size;
}

export const pricingReadModel = {
  /** The projection's name: its checkpoints are what `waitForPosition` waits on. */
  name: 'pricing.read-model',
  prefix: 'pricing:',

  marketsPrefix: 'pricing:market',
  /** Sorted set: every market ever opened, member marketId, score its opening time (ms). */
  markets: redisKey`pricing:markets`,
  /**
   * Hash: gpuClass, minTflopsPerGpu (a decimal number), tickSize, feeRateBps, status
   * (`open` | `closed`), openedAt, closedAt (ISO).
   */
  market: (marketId: string) => redisKey`pricing:market:${marketId}`,

  bookPrefix: 'pricing:book:',
  /**
   * Hash: price → GPUs resting at that limit price on that side. A level that emptied stays
   * as `0` (a projection writes blindly): readers drop levels ≤ 0.
   */
  bookLevels: (marketId: string, side: BookSide) => redisKey`pricing:book:${marketId}:${side}`,
  /**
   * Sorted set: every price that ever had a level on that side (member and score: the price),
   * so the best levels are read from the right end without scanning. Emptied levels linger
   * here too: a reader walks from the best price and skips levels whose GPUs are ≤ 0.
   */
  bookPrices: (marketId: string, side: BookSide) => redisKey`pricing:book:${marketId}:${side}:prices`,

  tickerPrefix: 'pricing:ticker:',
  /**
   * Hash: last (the last trade's price), lastTime (its time, ISO), lastTradeId, and since the
   * market opened: trades (count), volume (GPU-hours), value (minor units). Best bid and ask come
   * from the book; rolling figures (24 h volume, VWAP, the index) from the candles: see
   * rollingWindow.
   */
  ticker: (marketId: string) => redisKey`pricing:ticker:${marketId}`,

  candlesPrefix: 'pricing:candles:',
  /** Sorted set: the starts (member and score, epoch ms) of the market's candles of that interval. */
  candleStarts: (marketId: string, interval: CandleInterval) =>
    redisKey`pricing:candles:${marketId}:${interval}`,
  /**
   * Hash: open, high, low, close (prices), volume (GPU-hours), value (minor units), trades
   * (count) of the trades whose time falls in [start, start + interval). Open and close are the
   * first and last trades of the bucket in log order (one market's events are one partition).
   */
  candle: (marketId: string, interval: CandleInterval, start: number) =>
    redisKey`pricing:candles:${marketId}:${interval}:${start}`,

  tradesPrefix: 'pricing:trades:',
  /**
   * List of TradeRecord JSON, oldest first: the index of a trade never changes (the list only
   * grows), so it is a stable cursor; read the latest n with LRANGE key -n -1.
   */
  trades: (marketId: string) => redisKey`pricing:trades:${marketId}`,

  /**
   * Pub/sub channels, published by the projection in the same atomic step that changes the model,
   * and only then. A message is a small JSON notice; a subscriber re-reads the model.
   */
  channelsPrefix: 'pricing:ch:',
  channels: {
    /** A change to the market's book (either side): BookNotice. */
    book: (marketId: string) => redisKey`pricing:ch:book:${marketId}`,
    /**
     * A trade: its TradeRecord, one message per trade; once the market is closed, after its last
     * trade, MARKET_CLOSED_MESSAGE.
     */
    trades: (marketId: string) => redisKey`pricing:ch:trades:${marketId}`,
    /** Anything a ticker shows may have changed (a trade, the book, the market's status): TickerNotice. */
    ticker: (marketId: string) => redisKey`pricing:ch:ticker:${marketId}`,
  },
};

/**
 * The trades channel's last message, published as the market's close is folded (orders decides no
 * trade after its MarketClosed): no trade follows it. Not JSON, so a gateway from before it, which
 * parses each message as a trade and drops one it cannot parse, skips it.
 */
export const MARKET_CLOSED_MESSAGE = 'market-closed';

/** One trade as stored in the trades list and published on the trades channel. */
export interface TradeRecord {
  marketId: string;
  tradeId: string;
  /** The maker's price per GPU-hour: the trade price. */
  price: number;
  gpus: number;
  hours: number;
  /** gpus × hours × price. */
  value: number;
  /** When the trade was recorded (its event's time, ISO). */
  time: string;
  /**
   * The side of the order that came to the book and took the resting one (the maker, whose limit
   * is the price). Absent for a trade recorded before TradeExecuted carried it (v1).
   */
  takerSide?: 'bid' | 'ask';
}

export interface BookNotice {
  marketId: string;
}
export type TickerNotice = BookNotice;

/** Bucket starts (epoch ms) of one interval, both ends included: a ZRANGEBYSCORE on candleStarts. */
export interface BucketRange {
  from: number;
  to: number;
}

/**
 * The candles whose sums are exactly the trades of a rolling window of `minutes` whole minutes
 * ending with the current one: the one-minute buckets from floor(now to the minute) −
 * (minutes − 1) min on, so the window is exact to the minute (it starts up to a minute less
 * than `minutes` ago). Read as few candles as that allows: one-minute ones up to the first
 * full hour, hourly ones from there (the current hour's candle holds everything up to now).
 * The 24 h window (1440 minutes) reads at most 59 + 24 candles. A null range reads nothing.
 */
export function rollingWindow(
  nowMs: number,
  minutes: number,
): { minutes: BucketRange | null; hours: BucketRange | null } {
  const MINUTE = CANDLE_INTERVAL_MS['1m'];
  const HOUR = CANDLE_INTERVAL_MS['1h'];
  const current = bucketStart('1m', nowMs);
  const from = current - (minutes - 1) * MINUTE;
  const firstHour = Math.ceil(from / HOUR) * HOUR;
  return {
    minutes: from < firstHour ? { from, to: Math.min(firstHour - MINUTE, current) } : null,
    hours: firstHour <= current ? { from: firstHour, to: bucketStart('1h', nowMs) } : null,
  };
}

export const TICKER_WINDOW_MINUTES = 24 * 60;
export const INDEX_WINDOW_MINUTES = 60;

/** a / b rounded to the nearest integer, halves up, exact for any integers (b > 0). */
function divideRounded(a: number | bigint, b: number): number {
  const [n, d] = [BigInt(a), BigInt(b)];
  return Number((2n * n + d) / (2n * d));
}

/**
 * Volume-weighted average price per GPU-hour: Σ value / Σ GPU-hours of the trades, rounded to
 * the nearest minor unit (halves up); null without GPU-hours. The value may be a sum past 2^53
 * (a bigint, exact); the average lies between the trades' prices, so it is a safe integer.
 */
export function vwap(value: number | bigint, gpuHours: number): number | null {
  return gpuHours > 0 ? divideRounded(value, gpuHours) : null;
}

/**
 * A price per GPU-hour as a price per certified TFLOP-hour: divided by the market's minimum
 * certified TFLOP/s per GPU, rounded to the nearest minor unit. Every node selling in the market
 * is certified at least that fast, so this is the most a certified TFLOP-hour costs there at that
 * price. Null when the market sets no minimum (0), and when the quotient is no exact amount (a
 * minimum of a millionth of a TFLOP/s makes any price a trillion times larger, past 2^53).
 */
export function perTflopHour(pricePerGpuHour: number, minTflopsPerGpu: number): number | null {
  if (!(minTflopsPerGpu > 0)) return null;
  const price = Math.round(pricePerGpuHour / minTflopsPerGpu);
  return Number.isSafeInteger(price) ? price : null;
}

/**
 * The index price of a market: the VWAP of its trades in the last hour (INDEX_WINDOW_MINUTES,
 * exact to the minute, see rollingWindow); without a trade in that hour, the last trade's price;
 * null if it never traded. With the source it came from, and per certified TFLOP-hour.
 */
export function indexPrice(input: {
  hourValue: number | bigint;
  hourGpuHours: number;
  last: number | null;
  minTflopsPerGpu: number;
}): {
  price: number | null;
  source: 'vwap-1h' | 'last' | null;
  perTflopHour: number | null;
} {
  const hour = vwap(input.hourValue, input.hourGpuHours);
  const price = hour ?? input.last;
  return {
    price,
    source: hour !== null ? 'vwap-1h' : input.last !== null ? 'last' : null,
    perTflopHour: price === null ? null : perTflopHour(price, input.minTflopsPerGpu),
  };
}
