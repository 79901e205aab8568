import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLSafeInt } from 'graphql-scalars';
import type { TradeRecord } from '@gpux/contracts';
import type { CandleView, DepthView, IndexView, OrdersMarketView, TickerView } from '@gpux/read-models';
import { Connection } from '../api/connections';
import { MarketStatus } from '../api/enums';
import { GraphQLDateTimeString, GraphQLUsd } from '../api/scalars';
import { formatMoney } from '../domain/money';
import { Side } from '../orders/orders.views';

export enum Interval {
  ONE_MINUTE = '1m',
  ONE_HOUR = '1h',
  ONE_DAY = '1d',
}
registerEnumType(Interval, {
  name: 'CandleInterval',
  description:
    'How long each candle is: it holds the trades of one interval, starting at a whole minute, hour or day (UTC).',
  valuesMap: {
    ONE_MINUTE: { description: 'One minute: candles start at each whole minute (UTC).' },
    ONE_HOUR: { description: 'One hour: candles start at each whole hour (UTC).' },
    ONE_DAY: { description: 'One day: candles start at 00:00 UTC.' },
  },
});

@ObjectType({
  description:
    "GPUs resting at one limit price, of orders of any hours: a bid trades only with asks that offer at least the hours it wants, so a level may cross the other side's best and not trade (placeOrder says the rule).",
})
export class BookLevel {
  @Field(() => GraphQLUsd, { description: 'US dollars per GPU-hour.' })
  price!: string;
  // A sum over every order resting at the price: past a 32-bit Int with enough of them.
  @Field(() => GraphQLSafeInt, { description: 'GPUs of every order resting at the price.' })
  gpus!: number;
}

@ObjectType({
  description:
    "A market's order book: the best levels of each side, best first, by price alone. A bid and an ask at crossing prices trade only when the ask offers at least the bid's hours (and its node at least the bid's minGpusPerNode), so the book can show the best bid at or above the best ask: orders that cannot trade with each other. (Two orders of one account never trade: the newer one that reached the other was cancelled SELF_TRADE.)",
})
export class OrderBook {
  @Field(() => ID, { description: "The book's market." })
  marketId!: string;
  @Field(() => [BookLevel], {
    description: 'The bids resting, by level, the highest price first; empty when none rests.',
  })
  bids!: BookLevel[];
  @Field(() => [BookLevel], {
    description: 'The asks resting, by level, the lowest price first; empty when none rests.',
  })
  asks!: BookLevel[];
}

@ObjectType({
  description: "A market's prices now. Prices in US dollars per GPU-hour; volumes in GPU-hours.",
})
export class Ticker {
  @Field(() => ID, { description: "The ticker's market." })
  marketId!: string;
  @Field(() => GraphQLUsd, { nullable: true, description: "The best (highest) bid's limit price." })
  bestBid?: string;
  @Field(() => GraphQLUsd, {
    nullable: true,
    description:
      "The best (lowest) ask's limit price. It may be at or below bestBid: a bid trades only with asks that offer at least the hours it wants (OrderBook).",
  })
  bestAsk?: string;
  @Field(() => GraphQLUsd, { nullable: true, description: "The last trade's price." })
  last?: string;
  @Field(() => GraphQLDateTimeString, {
    nullable: true,
    description: "When the last trade was made; null before the market's first trade.",
  })
  lastTime?: string;
  // A sum of trades of up to 1,024 GPUs × 8,784 hours each: past a 32-bit Int within a day.
  @Field(() => GraphQLSafeInt, {
    description: 'GPU-hours traded in the last 24 hours (exact to the minute).',
  })
  volume24h!: number;
  @Field(() => GraphQLUsd, {
    description:
      "US dollars traded in the last 24 hours (exact to the minute): the sum of the trades' values, fees not included.",
  })
  value24h!: string;
  @Field(() => GraphQLUsd, {
    nullable: true,
    description: 'Volume-weighted average price of the last 24 hours.',
  })
  vwap24h?: string;
  @Field(() => GraphQLUsd, {
    nullable: true,
    description: "The index: the last hour's VWAP, else the last price.",
  })
  index?: string;
  @Field(() => GraphQLUsd, {
    nullable: true,
    description:
      "The index per TFLOP/s-hour at the market's floor: index / the market's minimum certified TFLOP/s per GPU (minTflopsPerGpu): the most a TFLOP/s-hour costs at the index, since a node certified above the minimum delivers more for the same price (its own rate is the price / its tflopsPerGpu).",
  })
  indexPerTflopHour?: string;
  @Field(() => Int, { description: 'Trades since the market opened.' })
  trades!: number;
}

@ObjectType({
  description:
    'Open, high, low, close of the trades in one interval. Prices in US dollars per GPU-hour; volume in GPU-hours.',
})
export class Candle {
  @Field(() => GraphQLDateTimeString, { description: 'When the interval starts (UTC).' })
  start!: string;
  @Field(() => GraphQLUsd, { description: "The interval's first trade's price." })
  open!: string;
  @Field(() => GraphQLUsd, { description: 'The highest trade price of the interval.' })
  high!: string;
  @Field(() => GraphQLUsd, { description: 'The lowest trade price of the interval.' })
  low!: string;
  @Field(() => GraphQLUsd, { description: "The interval's last trade's price." })
  close!: string;
  @Field(() => GraphQLSafeInt, { description: 'GPU-hours traded in the interval.' })
  volume!: number;
  @Field(() => GraphQLUsd, {
    description: "US dollars traded in the interval: the sum of its trades' values, fees not included.",
  })
  value!: string;
  @Field(() => Int, { description: 'How many trades the interval had.' })
  trades!: number;
}

@ObjectType({ description: 'A trade in a market. Money in US dollars.' })
export class Trade {
  @Field(() => ID, {
    description: "The trade's id, <marketId>-t<sequence>: also the id of the lease it made (Lease.id).",
  })
  id!: string;
  @Field(() => ID, { description: 'The market it was made in.' })
  marketId!: string;
  @Field(() => GraphQLUsd, {
    description: "Trade price per GPU-hour: the limit price of the order that was resting (the maker's).",
  })
  price!: string;
  @Field(() => Int, { description: 'GPUs leased.' })
  gpus!: number;
  @Field(() => Int, { description: 'How long each GPU is leased, in hours from the trade.' })
  hours!: number;
  @Field(() => GraphQLUsd, { description: 'GPUs × hours × price, the fee not included.' })
  value!: string;
  @Field(() => GraphQLDateTimeString, { description: 'When the trade was recorded.' })
  time!: string;
  @Field(() => Side, {
    nullable: true,
    description:
      "The side of the order that came to the book and took the resting one (the taker, or aggressor): BID where a buyer's bid took a resting ask (at the ask's price), ASK where a provider's ask took a resting bid (at the bid's price). Null for a trade recorded before the exchange recorded it.",
  })
  takerSide?: Side | null;
  @Field(() => Int, {
    description:
      "The trade's number in its market, counting from 1 in the order they happened: each trade's is one above the one before it. Where a page of Market.trades and tradeExecuted meet: subscribe with tradeExecuted(after:) the highest you hold, and nothing falls between, nor comes twice.",
  })
  sequence!: number;
}
export const TradeConnection = Connection(Trade, 'Trade');

@ObjectType({ description: 'A market: a GPU class, traded in GPU-hours.' })
export class Market {
  @Field(() => ID, { description: "The market's id, as it was opened, e.g. h100-80gb." })
  id!: string;
  @Field({ description: 'The GPU class traded, e.g. H100-80GB: nodes of this model sell here.' })
  gpuClass!: string;
  @Field(() => Float, {
    description: 'The least certified f32 TFLOP/s per GPU a node must have to sell here.',
  })
  minTflopsPerGpu!: number;
  @Field(() => GraphQLUsd, { description: 'Prices are multiples of it (US dollars per GPU-hour).' })
  tickSize!: string;
  @Field(() => Int, {
    description:
      "The platform's fee, in basis points of a trade's value, paid by the buyer, rounded up to a whole µ$ per GPU-hour.",
  })
  feeRateBps!: number;
  @Field(() => MarketStatus, { description: 'Whether it takes orders now.' })
  status!: MarketStatus;
  @Field(() => GraphQLDateTimeString, { description: 'When the market was opened (openMarket).' })
  openedAt!: string;
  @Field(() => GraphQLDateTimeString, {
    nullable: true,
    description:
      'When the market closed (status CLOSED); null while it is open, and for a market closed before the exchange recorded the time.',
  })
  closedAt?: string | null;
}

export const MarketConnection = Connection(Market, 'Market', 'in the order they opened');

export const toMarket = (m: OrdersMarketView): Market => ({
  id: m.marketId,
  gpuClass: m.gpuClass,
  minTflopsPerGpu: m.minTflopsPerGpu,
  tickSize: formatMoney(m.tickSize),
  feeRateBps: m.feeRateBps,
  status: m.status,
  openedAt: m.openedAt,
  closedAt: m.closedAt ?? null,
});

export const toTrade = (t: TradeRecord): Trade => ({
  id: t.tradeId,
  marketId: t.marketId,
  price: formatMoney(t.price),
  gpus: t.gpus,
  hours: t.hours,
  value: formatMoney(t.value),
  time: t.time,
  takerSide: t.takerSide === 'bid' ? Side.BID : t.takerSide === 'ask' ? Side.ASK : null,
  sequence: tradeSequence(t.tradeId),
});

/**
 * A trade's number in its market: its id is `<marketId>-t<n>`, n counting the market's trades from
 * 1 in the order they happened (orders' enter-book.ts), as the market's trades list holds them
 * (trade n at index n - 1). 0 for an id of another form (none the exchange records).
 */
export function tradeSequence(tradeId: string): number {
  const match = /-t(\d+)$/.exec(tradeId);
  return match ? Number(match[1]) : 0;
}

const level = (l: { price: number; gpus: number }): BookLevel => ({
  price: formatMoney(l.price),
  gpus: l.gpus,
});

export function toBook(d: DepthView): OrderBook {
  return { marketId: d.marketId, bids: d.bids.map(level), asks: d.asks.map(level) };
}

export function toTicker(t: TickerView, index: IndexView): Ticker {
  return {
    marketId: t.marketId,
    ...(t.bestBid ? { bestBid: formatMoney(t.bestBid.price) } : {}),
    ...(t.bestAsk ? { bestAsk: formatMoney(t.bestAsk.price) } : {}),
    ...(t.last !== null ? { last: formatMoney(t.last) } : {}),
    ...(t.lastTime ? { lastTime: t.lastTime } : {}),
    volume24h: t.day.volume,
    value24h: formatMoney(t.day.value),
    ...(t.day.vwap !== null ? { vwap24h: formatMoney(t.day.vwap) } : {}),
    ...(index.price !== null ? { index: formatMoney(index.price) } : {}),
    ...(index.perTflopHour !== null ? { indexPerTflopHour: formatMoney(index.perTflopHour) } : {}),
    trades: t.total.trades,
  };
}

export function toCandle(c: CandleView): Candle {
  return {
    start: c.start,
    open: formatMoney(c.open),
    high: formatMoney(c.high),
    low: formatMoney(c.low),
    close: formatMoney(c.close),
    volume: c.volume,
    value: formatMoney(c.value),
    trades: c.trades,
  };
}
