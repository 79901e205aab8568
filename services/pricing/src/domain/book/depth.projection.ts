import { BookSide, Envelope, pricingReadModel as K } from '@gpux/contracts';
import type { Projection, RedisOp } from '@gpux/eventsourcing/domain';
import { pricedEvent } from '../orders-events';

function change(marketId: string, side: BookSide, price: number, gpus: number): RedisOp[] {
  const ops: RedisOp[] = [
    { op: 'hincrby', key: K.bookLevels(marketId, side), field: String(price), by: gpus },
  ];
  const level = { key: K.bookPrices(marketId, side), member: String(price) };
  // Only an addition can create a level; a removal that leaves it at 0 takes it out of the index,
  // so a reader walking from the best price never walks emptied levels (an attacker's IOC orders
  // at a new price each would otherwise leave one behind each). Decided in the script, on the level
  // as the batch's writes left it: 0 reaches it.
  if (gpus > 0) ops.push({ op: 'zadd', ...level, score: price });
  else
    ops.push({
      op: 'zremWhenReached',
      ...level,
      hash: K.bookLevels(marketId, side),
      sum: [],
      reaches: String(price),
    });
  return ops;
}

/**
 * Book depth per market and side: GPUs resting per limit price, and the index of prices.
 * An accepted order enters at its limit price with all its GPUs; the trades that follow it (in
 * the same transaction) take their GPUs from both orders' limit prices, and a cancel takes the
 * GPUs it removes from its order's price. So an IOC order's remainder, a sweep across several
 * levels and a taker's own level all come out exact.
 */
export function depthProjection(eventsTopic: string): Projection {
  return {
    name: 'pricing.depth',
    // 2: an emptied level leaves the price index; a model folded before that keeps every level it
    // emptied and is rebuilt.
    version: '2',
    topics: [eventsTopic],
    keyPrefix: K.bookPrefix,
    apply(envelope: Envelope): RedisOp[] {
      const event = pricedEvent(envelope);
      switch (event?.type) {
        case 'orders.OrderAccepted': {
          const { marketId, side, price, gpus } = event.data.order;
          return change(marketId, side, price, gpus);
        }
        case 'orders.TradeExecuted': {
          const { marketId, bidPrice, askPrice, gpus } = event.data;
          return [...change(marketId, 'bid', bidPrice, -gpus), ...change(marketId, 'ask', askPrice, -gpus)];
        }
        case 'orders.OrderCancelled': {
          const { marketId, side, price } = event.data;
          return event.data.bookGpus > 0 ? change(marketId, side, price, -event.data.bookGpus) : [];
        }
        default:
          return [];
      }
    },
  };
}
