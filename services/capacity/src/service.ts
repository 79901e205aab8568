import { Module } from '@nestjs/common';
import { PlatformModule, ServiceDefinition, serviceConfigSchema } from '@gpux/platform';

const configSchema = serviceConfigSchema(4104);

@Module({})
export class CapacityModule {}

export const capacityService: ServiceDefinition<typeof configSchema> = {
  name: 'capacity',
  configSchema,
  module: (config) => ({
    module: CapacityModule,
    imports: [PlatformModule.forService({ service: 'capacity', config })],
  }),
};
