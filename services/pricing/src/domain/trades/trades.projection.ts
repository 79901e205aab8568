import {
  CANDLE_INTERVALS,
  bucketStart,
  Envelope,
  pricingReadModel as K,
  TradeExecuted,
  TradeRecord,
} from '@gpux/contracts';
import type { Projection, RedisOp } from '@gpux/eventsourcing/domain';
import { pricedEvent } from '../orders-events';

/** A trade as the read model keeps it: its event's time is when it happened. */
export function tradeRecord(trade: TradeExecuted, time: string): TradeRecord {
  const { marketId, tradeId, price, gpus, hours, value, takerSide } = trade;
  // A trade from before TradeExecuted carried its taker (v1) is recorded as it was: without one.
  return { marketId, tradeId, price, gpus, hours, value, time, ...(takerSide ? { takerSide } : {}) };
}

/** A projection of trades only: the ticker, the candles and the trades list each are one. */
function ofTrades(
  name: string,
  keyPrefix: string,
  eventsTopic: string,
  fold: (trade: TradeRecord) => RedisOp[],
): Projection {
  return {
    name,
    topics: [eventsTopic],
    keyPrefix,
    apply(envelope: Envelope): RedisOp[] {
      const event = pricedEvent(envelope);
      return event?.type === 'orders.TradeExecuted' ? fold(tradeRecord(event.data, envelope.time)) : [];
    },
  };
}

/**
 * The ticker's stored part: the last trade, and totals since the market opened. Rolling figures
 * depend on the time they are read at, so readers sum them from the candles (rollingWindow).
 */
export function tickerProjection(eventsTopic: string): Projection {
  return ofTrades('pricing.ticker', K.tickerPrefix, eventsTopic, (t) => {
    const key = K.ticker(t.marketId);
    return [
      { op: 'hset', key, field: 'last', value: String(t.price) },
      { op: 'hset', key, field: 'lastTime', value: t.time },
      { op: 'hset', key, field: 'lastTradeId', value: t.tradeId },
      { op: 'hincrby', key, field: 'trades', by: 1 },
      { op: 'hincrby', key, field: 'volume', by: t.gpus * t.hours },
      { op: 'hincrby', key, field: 'value', by: t.value },
    ];
  });
}

/** OHLC candles of every interval, and the index of their starts for range reads. */
export function candlesProjection(eventsTopic: string): Projection {
  return ofTrades('pricing.candles', K.candlesPrefix, eventsTopic, (t) => {
    const at = Date.parse(t.time);
    const price = String(t.price);
    return CANDLE_INTERVALS.flatMap((interval): RedisOp[] => {
      const start = bucketStart(interval, at);
      const key = K.candle(t.marketId, interval, start);
      return [
        { op: 'hsetnx', key, field: 'open', value: price },
        { op: 'hmax', key, field: 'high', value: t.price },
        { op: 'hmin', key, field: 'low', value: t.price },
        { op: 'hset', key, field: 'close', value: price },
        { op: 'hincrby', key, field: 'volume', by: t.gpus * t.hours },
        { op: 'hincrby', key, field: 'value', by: t.value },
        { op: 'hincrby', key, field: 'trades', by: 1 },
        { op: 'zadd', key: K.candleStarts(t.marketId, interval), score: start, member: String(start) },
      ];
    });
  });
}

/** Every trade of a market, oldest first. */
export function tradesListProjection(eventsTopic: string): Projection {
  return ofTrades('pricing.trades', K.tradesPrefix, eventsTopic, (t) => [
    { op: 'rpush', key: K.trades(t.marketId), value: JSON.stringify(t) },
  ]);
}
