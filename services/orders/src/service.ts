import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { MessageRegistry, ordersMessages, settlementMessages } from '@gpux/contracts';
import { EventSourcingModule, eventSourcingConfigShape, eventSourcingSettings, registerDecider } from '@gpux/eventsourcing';
import { PlatformModule, ServiceDefinition, serviceConfigSchema } from '@gpux/platform';
import { escrowAnswers } from './domain/escrow/escrow-answers.process-manager';
import { MARKET_COMMANDS, MARKET_EVENTS, marketDecider, reviveMarket } from './domain/markets/market.decider';

const configSchema = serviceConfigSchema(4101).extend(eventSourcingConfigShape);

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
      CqrsModule.forRoot(),
      EventSourcingModule.forService({
        service: 'orders',
        registry: ordersMessages,
        ...eventSourcingSettings(config),
        deciders: [registerDecider('market', marketDecider, { commands: MARKET_COMMANDS, events: MARKET_EVENTS, revive: reviveMarket })],
        processManagers: [
          { manager: escrowAnswers, from: 'settlement', to: 'orders', registry: new MessageRegistry().include(settlementMessages).include(ordersMessages) },
        ],
      }),
    ],
  }),
};
