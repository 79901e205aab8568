// A market: ticker (with the index per TFLOP/s-hour at the market's minimum), depth chart, candles and recent
// trades. The ticker and the book come by their subscriptions alone (tickerUpdated, bookUpdated):
// each sends the state as it stands once live, then every change, so no change made before the
// subscription was live is lost (the page used to read them, and a change between that read and
// the subscription's start, which the page cannot see, was shown only at the next change). The
// market, its candles and its trades are read once, and again when the socket comes back after a
// drop; the trades then come by tradeExecuted(after:) the highest sequence read: its first messages
// are the trades after it as the market has them once live, then each new one, so no trade falls
// between the read and the subscription (before, a trade then was missing until a later trade or
// the ticker's count showed the gap and the page read again). A trade at or below the highest
// sequence the page holds is dropped: each is shown and folded into the candles once.
import { followSocket, gql, subscribe } from '../api/client';
import { foldTrade, toChartCandle, type ApiCandle } from '../lib/candles';
import { depthOf, spreadOf, type BookLevel } from '../lib/depth';
import { fill, h, serial, stat, table, time } from '../lib/dom';
import { Held, mergeRead, type MarketUpdate } from '../lib/resync';
import { withTrade } from '../lib/trades';
import { formatUsd, usdToNumber } from '../lib/usd';
import { candleChart, depthChart } from './charts';
import type { Page } from './page';

interface Ticker {
  last: string | null;
  lastTime: string | null;
  bestBid: string | null;
  bestAsk: string | null;
  index: string | null;
  indexPerTflopHour: string | null;
  vwap24h: string | null;
  volume24h: number;
  value24h: string;
  trades: number;
}
interface Trade {
  id: string;
  price: string;
  gpus: number;
  hours: number;
  value: string;
  time: string;
  /** The trade's number in its market: one above the one before. */
  sequence: number;
  /** The side of the order that came to the resting one; null for a trade from before it was recorded. */
  takerSide: 'BID' | 'ASK' | null;
}
interface Book {
  bids: BookLevel[];
  asks: BookLevel[];
}
interface Market {
  id: string;
  gpuClass: string;
  status: string;
  tickSize: string;
  feeRateBps: number;
  minTflopsPerGpu: number;
  candles: ApiCandle[];
  trades: { edges: { node: Trade }[] };
}

type Update = MarketUpdate<Ticker, Book, Trade>;

const TICKER = 'last lastTime bestBid bestAsk index indexPerTflopHour vwap24h volume24h value24h trades';
const TRADE = 'id price gpus hours value time sequence takerSide';
const BOOK = 'bids { price gpus } asks { price gpus }';
const CANDLE_SECONDS = 60;

export const marketPage: Page = (root, params) => {
  const marketId = params[0] ?? '';
  const stops: (() => void)[] = [];
  /** The live subscriptions by field; one that ended is subscribed again by the next load. */
  const subscriptions = new Map<string, () => void>();
  /** Torn down: a query that answers after it draws and subscribes nothing. */
  let closed = false;
  const tickerEl = h('section', { class: 'ticker', id: 'ticker' });
  const depthEl = h('div', { class: 'chart', id: 'depth-chart' });
  const candlesEl = h('div', { class: 'chart', id: 'candle-chart' });
  const bookEl = h('div', { id: 'book' });
  const tradesEl = h('div', { id: 'trades' });
  const status = h('p', { class: 'status', id: 'market-status' }, 'loading…');
  fill(
    root,
    h('h1', {}, 'Market ', h('span', { id: 'market-id' }, marketId)),
    status,
    tickerEl,
    h(
      'div',
      { class: 'grid' },
      h('section', {}, h('h2', {}, 'Depth'), depthEl, bookEl),
      h('section', {}, h('h2', {}, 'Candles (1 minute)'), candlesEl),
    ),
    h('section', {}, h('h2', {}, 'Recent trades'), tradesEl),
  );
  const depth = depthChart(depthEl);
  const candles = candleChart(candlesEl);
  stops.push(depth.remove, candles.remove);
  let trades: Trade[] = [];
  /** The highest sequence among the trades the page holds: tradeExecuted sends those after it. */
  let lastSequence = 0;
  /** The latest ticker and book their subscriptions sent: none until each sends its first. */
  let ticker: Ticker | undefined;
  let book: Book | undefined;

  const showTicker = (t: Ticker, m: Pick<Market, 'gpuClass' | 'minTflopsPerGpu' | 'feeRateBps'>) => {
    fill(
      tickerEl,
      stat('Last', formatUsd(t.last, 2, '$'), 'ticker-last'),
      stat(
        'Index / TFLOP/s-hour at the minimum',
        formatUsd(t.indexPerTflopHour, 4, '$'),
        'ticker-index-tflop',
      ),
      stat('Index', formatUsd(t.index, 2, '$'), 'ticker-index'),
      stat('Bid / Ask', `${formatUsd(t.bestBid)} / ${formatUsd(t.bestAsk)}`, 'ticker-bbo'),
      stat('VWAP 24h', formatUsd(t.vwap24h), 'ticker-vwap'),
      stat('Volume 24h', `${t.volume24h} GPU-h`, 'ticker-volume'),
      stat('Trades', String(t.trades), 'ticker-trades'),
      stat(
        'Class',
        `${m.gpuClass} ≥ ${m.minTflopsPerGpu} TFLOP/s · fee ${m.feeRateBps / 100}%`,
        'market-class',
      ),
    );
  };
  let tick = 0.01;
  const showBook = (book: Book) => {
    depth.set(depthOf(book.bids, 'bids'), depthOf(book.asks, 'asks'), tick);
    const spread = spreadOf(book.bids, book.asks);
    const rows = (levels: BookLevel[], side: string) =>
      levels.map((l) => h('tr', { class: side }, h('td', {}, formatUsd(l.price)), h('td', {}, l.gpus)));
    fill(
      bookEl,
      h(
        'div',
        { class: 'book' },
        table(['Bid', 'GPUs'], rows(book.bids, 'bid'), 'no bids'),
        table(['Ask', 'GPUs'], rows(book.asks, 'ask'), 'no asks'),
      ),
      h(
        'p',
        { class: 'muted' },
        spread === null ? 'no spread' : `spread ${spread.toFixed(6).replace(/0{1,4}$/, '')}`,
      ),
    );
  };
  const showTrades = () =>
    fill(
      tradesEl,
      table(
        ['Time (UTC)', 'Price', 'GPUs', 'Hours', 'Value', 'Taker'],
        trades.map((t) =>
          h(
            'tr',
            { 'data-trade-id': t.id },
            h('td', {}, time(t.time)),
            h('td', {}, formatUsd(t.price)),
            h('td', {}, t.gpus),
            h('td', {}, t.hours),
            h('td', {}, formatUsd(t.value)),
            h('td', {}, t.takerSide ?? '—'),
          ),
        ),
        'no trades yet',
      ),
    );

  /**
   * The market's line once loaded: its status and tick, and whether updates come. Live once the
   * ticker and the book have come too (their subscriptions' first messages).
   */
  let summary: string | undefined;
  const showStatus = () => {
    if (summary === undefined) return;
    const live = !socket.down() && ticker !== undefined && book !== undefined;
    fill(status, `${summary} · ${socket.down() ? 'reconnecting…' : live ? 'live' : 'loading…'}`);
    if (live) status.dataset['live'] = 'true';
    else delete status.dataset['live'];
  };
  /** Anything but live: the attribute goes with the word. */
  const showProblem = (text: string) => {
    fill(status, text);
    delete status.dataset['live'];
  };

  let market: Market | undefined;
  /** The market does not exist: its subscriptions' NOT_FOUND says nothing more. */
  let absent = false;
  const watch = <T>(
    field: string,
    query: string,
    onData: (data: T) => void,
    variables: Record<string, unknown> = {},
  ) => {
    if (closed || subscriptions.has(field)) return;
    const stop = subscribe<T>(query, { id: marketId, ...variables }, onData, (e) => {
      // Ended (a fatal close: 4401 key revoked, 1008 too many sockets) or refused: stopped either
      // way, so that a later load starts it afresh rather than beside one still running.
      stop();
      if (subscriptions.get(field) === stop) subscriptions.delete(field);
      if (!closed && !absent) showProblem(`subscription: ${e.message}`);
    });
    subscriptions.set(field, stop);
  };

  /** An update as it comes, once the page is loaded. */
  const apply = (u: Update) => {
    if (u.kind === 'ticker') {
      const first = ticker === undefined;
      ticker = u.ticker;
      // Before the market is read, kept to be shown with it (the line needs its class).
      if (!market) return;
      showTicker(u.ticker, market);
      if (first) showStatus();
    } else if (u.kind === 'book') {
      const first = book === undefined;
      book = u.book;
      showBook(u.book);
      if (first) showStatus();
    } else {
      // Held already (the read's, or the first messages of a subscription started again): once.
      if (u.trade.sequence <= lastSequence) return;
      lastSequence = u.trade.sequence;
      trades = withTrade(trades, u.trade);
      showTrades();
      const candle = foldTrade(candles.last(), u.trade, CANDLE_SECONDS);
      if (candle) candles.update(candle);
    }
  };
  /** The subscriptions' updates: held while a read is in flight, to be merged with its answer. */
  const updates = new Held<Update>(apply);

  /**
   * Subscribes the ticker and the book if they are not: not read, each subscription's first
   * message is the state as it stands.
   */
  const watchAll = () => {
    watch<{ tickerUpdated: Ticker }>(
      'tickerUpdated',
      `subscription($id: ID!) { tickerUpdated(marketId: $id) { ${TICKER} } }`,
      (d) => updates.push({ kind: 'ticker', ticker: d.tickerUpdated }),
    );
    watch<{ bookUpdated: Book }>(
      'bookUpdated',
      `subscription($id: ID!) { bookUpdated(marketId: $id) { ${BOOK} } }`,
      (d) => updates.push({ kind: 'book', book: d.bookUpdated }),
    );
  };

  /** Subscribes the trades after the last the page holds, once it holds the read's. */
  const watchTrades = () =>
    watch<{ tradeExecuted: Trade }>(
      'tradeExecuted',
      `subscription($id: ID!, $after: Int) { tradeExecuted(marketId: $id, after: $after) { ${TRADE} } }`,
      (d) => updates.push({ kind: 'trade', trade: d.tradeExecuted }),
      { after: lastSequence },
    );

  const load = serial(async () => {
    if (closed) return;
    updates.hold();
    watchAll();
    let answer: { market: Market | null };
    try {
      answer = await gql<{ market: Market | null }>(
        `query($id: ID!) { market(id: $id) { id gpuClass status tickSize feeRateBps minTflopsPerGpu
           candles(interval: ONE_MINUTE, limit: 240) { start open high low close }
           trades(first: 50) { edges { node { ${TRADE} } } } } }`,
        { id: marketId },
      );
    } catch (error) {
      // Nothing read: what came meanwhile is shown as it would have been.
      updates.release().forEach(apply);
      if (!closed) showProblem(error instanceof Error ? error.message : String(error));
      return;
    }
    const held = updates.release();
    if (closed) return;
    if (!answer.market) {
      absent = true;
      summary = undefined;
      showProblem(`No market ${marketId}.`);
      return;
    }
    absent = false;
    const m = (market = answer.market);
    tick = usdToNumber(m.tickSize);
    summary = `${m.status} · tick ${formatUsd(m.tickSize)}`;
    const read = m.trades.edges.map((e) => e.node);
    const readUpTo = Math.max(0, ...read.map((t) => t.sequence));
    const merged = mergeRead<Ticker, Book, Trade>(
      { candles: m.candles.map(toChartCandle), trades: read },
      // A trade held that the read holds is in its candles already.
      held.filter((u) => u.kind !== 'trade' || u.trade.sequence > readUpTo),
      // A trade shown before (by subscription, before a read again after a drop) stays.
      trades,
      CANDLE_SECONDS,
    );
    ticker = merged.ticker ?? ticker;
    book = merged.book ?? book;
    if (ticker) showTicker(ticker, m);
    if (book) showBook(book);
    candles.set(merged.candles);
    trades = merged.trades;
    lastSequence = Math.max(lastSequence, ...trades.map((t) => t.sequence));
    showTrades();
    showStatus();
    watchTrades();
  });

  const socket = followSocket({ changed: showStatus, back: () => void load() });
  void load();
  return () => {
    closed = true;
    socket.stop();
    subscriptions.forEach((stop) => stop());
    subscriptions.clear();
    stops.forEach((stop) => stop());
  };
};
