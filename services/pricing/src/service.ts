import { Module } from '@nestjs/common';
import { ordersMessages, pricingReadModel, topic } from '@gpux/contracts';
import { eventSourcingConfigShape, lingerMsSetting, ReadModelModule } from '@gpux/eventsourcing';
import { PlatformModule, ServiceDefinition, serviceConfigSchema } from '@gpux/platform';
import { pricingProjection } from './domain/pricing.projection';

// pricing only reads the log (orders' events) for now: of the event-sourcing settings it needs
// the namespace of the topics and the consumer session timeout.
const configSchema = serviceConfigSchema(4102).extend({
  TOPIC_NAMESPACE: eventSourcingConfigShape.TOPIC_NAMESPACE,
  KAFKA_SESSION_TIMEOUT_MS: eventSourcingConfigShape.KAFKA_SESSION_TIMEOUT_MS,
  // Candles and tickers, which no command's answer waits on: under load, fewer and fuller calls.
  READ_MODEL_LINGER_MS: lingerMsSetting(100),
});

@Module({})
export class PricingModule {}

/** pricing: books, tickers, candles and index prices folded from orders' events into Redis. */
export const pricingService: ServiceDefinition<typeof configSchema> = {
  name: 'pricing',
  configSchema,
  module: (config) => ({
    module: PricingModule,
    imports: [
      PlatformModule.forService({ service: 'pricing', config }),
      ReadModelModule.forService({
        name: pricingReadModel.name,
        prefix: pricingReadModel.prefix,
        registry: ordersMessages,
        projections: (ns) => [pricingProjection(topic('orders', 'events', ns).name)],
        // pricing may start before orders: whoever is first creates the topic it reads.
        provision: (ns) => [topic('orders', 'events', ns)],
      }),
    ],
  }),
};
