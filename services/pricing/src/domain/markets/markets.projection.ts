import { Envelope, pricingReadModel as K } from '@gpux/contracts';
import type { Projection, RedisOp } from '@gpux/eventsourcing/domain';
import { pricedEvent } from '../orders-events';

/** The markets and their specs: what the per-TFLOP index divides by, and a list to browse. */
export function marketsProjection(eventsTopic: string): Projection {
  return {
    name: 'pricing.markets',
    topics: [eventsTopic],
    keyPrefix: K.marketsPrefix,
    apply(envelope: Envelope): RedisOp[] {
      const event = pricedEvent(envelope);
      switch (event?.type) {
        case 'orders.MarketOpened': {
          const { marketId, gpuClass, minTflopsPerGpu, tickSize, feeRateBps } = event.data;
          const key = K.market(marketId);
          const fields: Record<string, string> = {
            gpuClass,
            minTflopsPerGpu: String(minTflopsPerGpu),
            tickSize: String(tickSize),
            feeRateBps: String(feeRateBps),
            status: 'open',
            openedAt: envelope.time,
          };
          return [
            ...Object.entries(fields).map(([field, value]): RedisOp => ({ op: 'hset', key, field, value })),
            { op: 'zadd', key: K.markets, score: Date.parse(envelope.time), member: marketId },
          ];
        }
        case 'orders.MarketClosed': {
          const key = K.market(event.data.marketId);
          return [
            { op: 'hset', key, field: 'status', value: 'closed' },
            { op: 'hset', key, field: 'closedAt', value: envelope.time },
          ];
        }
        default:
          return [];
      }
    },
  };
}
