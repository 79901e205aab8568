import { Envelope, MARKET_CLOSED_MESSAGE, pricingReadModel as K, TickerNotice } from '@gpux/contracts';
import { combineProjections, Projection, RedisOp } from '@gpux/eventsourcing/domain';
import { depthProjection } from './book/depth.projection';
import { marketsProjection } from './markets/markets.projection';
import { pricedEvent } from './orders-events';
import {
  candlesProjection,
  tickerProjection,
  tradeRecord,
  tradesListProjection,
} from './trades/trades.projection';

const notice = (marketId: string): string => JSON.stringify({ marketId } satisfies TickerNotice);

/**
 * The channels subscriptions listen on (docs/architecture.md §4), published in the same atomic step as the
 * writes they announce. The ticker's channel fires for whatever a ticker shows: trades, the book
 * (best bid and ask) and the market's status; the book's for the book and the market's close; the
 * trades' for each trade and, last, the market's close.
 */
export function notificationsProjection(eventsTopic: string): Projection {
  const changed = (marketId: string, book: boolean): RedisOp[] => [
    ...(book ? [{ op: 'publish', key: K.channels.book(marketId), message: notice(marketId) } as const] : []),
    { op: 'publish', key: K.channels.ticker(marketId), message: notice(marketId) },
  ];
  return {
    name: 'pricing.notifications',
    topics: [eventsTopic],
    keyPrefix: K.channelsPrefix,
    apply(envelope: Envelope): RedisOp[] {
      const event = pricedEvent(envelope);
      switch (event?.type) {
        case 'orders.MarketOpened':
          return changed(event.data.marketId, false);
        case 'orders.MarketClosed':
          // The book's watchers too: a market closed with an empty book has no cancellation to
          // announce it, and its book subscriptions end on the close (the gateway's final-state.ts).
          // Its trades' watchers are told no trade follows: their subscriptions end on it.
          return [
            ...changed(event.data.marketId, true),
            { op: 'publish', key: K.channels.trades(event.data.marketId), message: MARKET_CLOSED_MESSAGE },
          ];
        case 'orders.OrderAccepted':
          return changed(event.data.order.marketId, true);
        case 'orders.TradeExecuted': {
          const { marketId } = event.data;
          return [
            {
              op: 'publish',
              key: K.channels.trades(marketId),
              message: JSON.stringify(tradeRecord(event.data, envelope.time)),
            },
            ...changed(marketId, true),
          ];
        }
        case 'orders.OrderCancelled':
          return event.data.bookGpus > 0 ? changed(event.data.marketId, true) : [];
        default:
          return [];
      }
    },
  };
}

/**
 * pricing's whole read model (pricingReadModel in the contracts), folded from orders' events as
 * one projection: the log is read and decoded once, and every event's changes land with one
 * checkpoint, so a ticker never disagrees with the book or the candles it is read with.
 */
export function pricingProjection(ordersEventsTopic: string): Projection {
  return combineProjections(K.name, K.prefix, [
    marketsProjection(ordersEventsTopic),
    depthProjection(ordersEventsTopic),
    tickerProjection(ordersEventsTopic),
    candlesProjection(ordersEventsTopic),
    tradesListProjection(ordersEventsTopic),
    notificationsProjection(ordersEventsTopic),
  ]);
}
