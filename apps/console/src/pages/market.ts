// A market: ticker (with the index per certified TFLOP-hour), depth chart, candles and recent
// trades, loaded once and then kept current by the bookUpdated, tickerUpdated and tradeExecuted
// subscriptions.
import { gql, subscribe } from '../api/client';
import { foldTrade, toChartCandle, type ApiCandle } from '../lib/candles';
import { depthOf, spreadOf, type BookLevel } from '../lib/depth';
import { fill, h, stat, table, time } from '../lib/dom';
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
  ticker: Ticker;
  book: Book;
  candles: ApiCandle[];
  trades: { edges: { node: Trade }[] };
}

const TICKER = 'last lastTime bestBid bestAsk index indexPerTflopHour vwap24h volume24h value24h trades';
const TRADE = 'id price gpus hours value time';
const BOOK = 'bids { price gpus } asks { price gpus }';
const CANDLE_SECONDS = 60;

export const marketPage: Page = (root, params) => {
  const marketId = params[0] ?? '';
  const stops: (() => void)[] = [];
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

  const showTicker = (t: Ticker, m: Pick<Market, 'gpuClass' | 'minTflopsPerGpu' | 'feeRateBps'>) => {
    fill(
      tickerEl,
      stat('Last', t.last ? `$${formatUsd(t.last)}` : '—', 'ticker-last'),
      stat(
        'Index / certified TFLOP-hour',
        t.indexPerTflopHour ? `$${formatUsd(t.indexPerTflopHour, 4)}` : '—',
        'ticker-index-tflop',
      ),
      stat('Index', t.index ? `$${formatUsd(t.index)}` : '—', 'ticker-index'),
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
        ['Time (UTC)', 'Price', 'GPUs', 'Hours', 'Value'],
        trades.map((t) =>
          h(
            'tr',
            { 'data-trade-id': t.id },
            h('td', {}, time(t.time)),
            h('td', {}, formatUsd(t.price)),
            h('td', {}, t.gpus),
            h('td', {}, t.hours),
            h('td', {}, formatUsd(t.value)),
          ),
        ),
        'no trades yet',
      ),
    );

  void (async () => {
    try {
      const { market } = await gql<{ market: Market | null }>(
        `query($id: ID!) { market(id: $id) { id gpuClass status tickSize feeRateBps minTflopsPerGpu
           ticker { ${TICKER} } book(depth: 20) { ${BOOK} }
           candles(interval: ONE_MINUTE, limit: 240) { start open high low close }
           trades(first: 50) { edges { node { ${TRADE} } } } } }`,
        { id: marketId },
      );
      if (!market) {
        fill(status, `No market ${marketId}.`);
        return;
      }
      tick = usdToNumber(market.tickSize);
      fill(status, `${market.status} · tick ${formatUsd(market.tickSize)} · live`);
      status.dataset['live'] = 'true';
      showTicker(market.ticker, market);
      showBook(market.book);
      candles.set(market.candles.map(toChartCandle));
      trades = market.trades.edges.map((e) => e.node);
      showTrades();
      const onError = (e: Error) => fill(status, `subscription: ${e.message}`);
      stops.push(
        subscribe<{ tickerUpdated: Ticker }>(
          `subscription($id: ID!) { tickerUpdated(marketId: $id) { ${TICKER} } }`,
          { id: marketId },
          (d) => showTicker(d.tickerUpdated, market),
          onError,
        ),
        subscribe<{ bookUpdated: Book }>(
          `subscription($id: ID!) { bookUpdated(marketId: $id) { ${BOOK} } }`,
          { id: marketId },
          (d) => showBook(d.bookUpdated),
          onError,
        ),
        subscribe<{ tradeExecuted: Trade }>(
          `subscription($id: ID!) { tradeExecuted(marketId: $id) { ${TRADE} } }`,
          { id: marketId },
          (d) => {
            trades = withTrade(trades, d.tradeExecuted);
            showTrades();
            const candle = foldTrade(candles.last(), d.tradeExecuted, CANDLE_SECONDS);
            if (candle) candles.update(candle);
          },
          onError,
        ),
      );
    } catch (error) {
      fill(status, error instanceof Error ? error.message : String(error));
    }
  })();
  return () => stops.forEach((stop) => stop());
};
