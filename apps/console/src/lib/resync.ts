// Reading a page's state while its subscriptions run: what they send while the read is in flight
// is held, and merged with the read's answer once it comes. A market's book and ticker are not
// read at all: their subscriptions send them as they stand first, once live, then every change
// (the gateway's bookUpdated and tickerUpdated). Its trades are read, then subscribed after the
// last one read (tradeExecuted(after:), whose first messages are the trades since), so a trade
// held is one a subscription running from an earlier load sent during the read.
import { foldTrade, type ChartCandle, type TradeLike } from './candles';
import { newestFirst, withTrade } from './trades';

/** Holds what arrives while a read is in flight; hands it on at once otherwise. */
export class Held<T> {
  private held: T[] | null = null;

  constructor(private readonly apply: (item: T) => void) {}

  /** An update from a subscription: held during a read, applied otherwise. */
  push(item: T): void {
    if (this.held) this.held.push(item);
    else this.apply(item);
  }

  /** A read starts: from now until `release`, updates are held (call it before subscribing). */
  hold(): void {
    this.held ??= [];
  }

  /** The read has answered (or failed): the updates held, in the order they came; none held from now. */
  release(): T[] {
    const held = this.held ?? [];
    this.held = null;
    return held;
  }
}

/** What a market's subscriptions send: tickerUpdated, bookUpdated, tradeExecuted. */
export type MarketUpdate<Ticker, Book, Trade> =
  { kind: 'ticker'; ticker: Ticker } | { kind: 'book'; book: Book } | { kind: 'trade'; trade: Trade };

/** What a market page reads: its candles and recent trades (the book and ticker come by subscription). */
export interface MarketRead<Trade> {
  candles: ChartCandle[];
  /** Newest first. */
  trades: Trade[];
}

/** A market after a read: the read merged with what its subscriptions sent while it was in flight. */
export interface MarketState<Ticker, Book, Trade> extends MarketRead<Trade> {
  /** The last ticker held, if any came: the newest (none came yet: the subscription's first is to come). */
  ticker?: Ticker;
  /** The last book held, if any came. */
  book?: Book;
}

/**
 * The candles after `trades`, folded oldest first onto `candles` (the read's, oldest first). Held
 * trades are every trade since the subscription started, the read every one before it, so folding
 * them all in the order they happened gives each candle its true close, whether or not the read
 * already counted some of them (high and low do not change for a trade counted twice).
 */
export function foldTrades(
  candles: readonly ChartCandle[],
  trades: readonly TradeLike[],
  intervalSeconds: number,
): ChartCandle[] {
  const out = [...candles];
  for (const trade of [...trades].sort(newestFirst).reverse()) {
    const last = out[out.length - 1];
    const candle = foldTrade(last, trade, intervalSeconds);
    if (!candle) continue;
    if (last && last.time === candle.time) out[out.length - 1] = candle;
    else out.push(candle);
  }
  return out;
}

/**
 * A market after a read: the read's answer merged with the updates held while it was in flight
 * (in the order they came), and with the trades shown before it (kept, each trade once).
 *
 * - Trades: every one of the three, once each by id, newest first (withTrade).
 * - Candles: the read's, with the held trades folded on (foldTrades).
 * - Book and ticker: not read; the last one held, if any. Their subscriptions send the state as it
 *   stands once live, then each change, each read after the one before: the last one sent is the
 *   newest, and none is lost between the first and the next (the read that sat beside them could
 *   miss a change made before the subscription was live, which a client cannot see).
 */
export function mergeRead<Ticker, Book, Trade extends TradeLike>(
  read: MarketRead<Trade>,
  held: readonly MarketUpdate<Ticker, Book, Trade>[],
  shown: readonly Trade[],
  intervalSeconds: number,
  max = 50,
): MarketState<Ticker, Book, Trade> {
  let ticker: Ticker | undefined;
  let book: Book | undefined;
  const heldTrades: Trade[] = [];
  for (const update of held) {
    if (update.kind === 'ticker') ticker = update.ticker;
    else if (update.kind === 'book') book = update.book;
    else heldTrades.push(update.trade);
  }
  const trades = [...read.trades, ...heldTrades].reduce(
    (list, trade) => withTrade(list, trade, max),
    [...shown].slice(0, max),
  );
  return {
    ...(ticker === undefined ? {} : { ticker }),
    ...(book === undefined ? {} : { book }),
    candles: foldTrades(read.candles, heldTrades, intervalSeconds),
    trades,
  };
}

/**
 * The ids of `ids` not watched yet, in their order. A page that learns what to subscribe from a
 * read (the provider's nodes) subscribes these: the read that found them ran before their
 * subscriptions did, and each subscription's first message is the entity as it stands once live
 * (nodeStatusChanged), so nothing is read again for them.
 */
export function unwatched(ids: readonly string[], watched: { has(id: string): boolean }): string[] {
  return [...new Set(ids)].filter((id) => !watched.has(id));
}

/**
 * The ids of `watched` that `ids` does not list, in their order: a page that shows a page of a list
 * (the provider's nodes) lets these go when it shows another page.
 */
export function unlisted(watched: Iterable<string>, ids: readonly string[]): string[] {
  const listed = new Set(ids);
  return [...watched].filter((id) => !listed.has(id));
}
