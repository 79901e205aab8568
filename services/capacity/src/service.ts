import { Module } from '@nestjs/common';
import { capacityMessages, capacityReadModel, MessageRegistry, ordersMessages, topic } from '@gpux/contracts';
import { EventSourcingModule, eventSourcingConfigShape, eventSourcingSettings, outcomesProjection, ReadModelModule, registerDecider } from '@gpux/eventsourcing';
import { PlatformModule, ServiceDefinition, serviceConfigSchema } from '@gpux/platform';
import { nodeListings } from './domain/nodes/node-listings.process-manager';
import { NODE_COMMANDS, NODE_EVENTS, nodeDecider } from './domain/nodes/node.decider';
import { nodesProjection } from './domain/nodes/nodes.projection';

const configSchema = serviceConfigSchema(4104).extend(eventSourcingConfigShape);

@Module({})
export class CapacityModule {}

/** capacity: providers' nodes, one writer per node partition; tells markets which nodes may sell. */
export const capacityService: ServiceDefinition<typeof configSchema> = {
  name: 'capacity',
  configSchema,
  module: (config) => ({
    module: CapacityModule,
    imports: [
      PlatformModule.forService({ service: 'capacity', config }),
      EventSourcingModule.forService({
        service: 'capacity',
        registry: capacityMessages,
        ...eventSourcingSettings(config),
        deciders: [registerDecider('node', nodeDecider, { commands: NODE_COMMANDS, events: NODE_EVENTS })],
        processManagers: [{ manager: nodeListings, from: 'capacity', to: 'orders', registry: new MessageRegistry().include(capacityMessages).include(ordersMessages) }],
      }),
      ReadModelModule.forService({
        name: capacityReadModel.name,
        prefix: capacityReadModel.prefix,
        registry: capacityMessages,
        projections: (ns) => {
          const events = topic('capacity', 'events', ns).name;
          return [nodesProjection(events), outcomesProjection('capacity', events)];
        },
      }),
    ],
  }),
};
