import { Module } from '@nestjs/common';
import { z } from 'zod';
import { MessageRegistry, ordersMessages, ordersReadModel, settlementMessages, topic } from '@gpux/contracts';
import {
  EventSourcingModule,
  eventSourcingConfigShape,
  eventSourcingSettings,
  outcomesProjection,
  ReadModelModule,
  registerDecider,
} from '@gpux/eventsourcing';
import { PlatformModule, ServiceDefinition, serviceConfigSchema } from '@gpux/platform';
import { escrowHolds } from './domain/escrow/escrow-holds.process-manager';
import {
  createMarketDecider,
  HOUR_MS,
  MAX_RESTING_BIDS,
  MARKET_COMMANDS,
  MARKET_EVENTS,
  reviveMarket,
} from './domain/markets/market.decider';
import { ordersProjection } from './domain/orders/orders.projection';

const configSchema = serviceConfigSchema(4101).extend({
  ...eventSourcingConfigShape,
  /** How long one GPU-hour of a lease lasts on the clock: an hour, or seconds in tests and demos. */
  GPU_HOUR_MS: z.coerce.number().int().min(100).max(HOUR_MS).default(HOUR_MS),
  /** The most bids one account may have resting in one market (rules/resting-bids.ts). */
  MAX_RESTING_BIDS_PER_ACCOUNT: z.coerce.number().int().min(1).max(1_000_000).default(MAX_RESTING_BIDS),
});

@Module({})
export class OrdersModule {}

/** orders: one writer per market partition, deciding on the market's nodes, book and escrowed bids. */
export const ordersService: ServiceDefinition<typeof configSchema> = {
  name: 'orders',
  configSchema,
  module: (config) => ({
    module: OrdersModule,
    imports: [
      PlatformModule.forService({ service: 'orders', config }),
      EventSourcingModule.forService({
        service: 'orders',
        registry: ordersMessages,
        ...eventSourcingSettings(config),
        deciders: [
          registerDecider(
            'market',
            createMarketDecider(config.GPU_HOUR_MS, config.MAX_RESTING_BIDS_PER_ACCOUNT),
            {
              commands: MARKET_COMMANDS,
              events: MARKET_EVENTS,
              revive: reviveMarket,
            },
          ),
        ],
        processManagers: [
          // orders → settlement: holds, leases and releases, written with the events that ask for them.
          {
            manager: escrowHolds,
            from: 'orders',
            to: 'settlement',
            registry: new MessageRegistry().include(ordersMessages).include(settlementMessages),
          },
        ],
      }),
      ReadModelModule.forService({
        name: ordersReadModel.name,
        prefix: ordersReadModel.prefix,
        registry: ordersMessages,
        projections: (ns, { idempotencyWindowMs }) => {
          const events = topic('orders', 'events', ns).name;
          return [ordersProjection(events), outcomesProjection('orders', events, idempotencyWindowMs)];
        },
      }),
    ],
  }),
};
