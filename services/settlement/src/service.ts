import { Module } from '@nestjs/common';
import { PlatformModule, ServiceDefinition, serviceConfigSchema } from '@gpux/platform';

const configSchema = serviceConfigSchema(4103);

@Module({})
export class SettlementModule {}

export const settlementService: ServiceDefinition<typeof configSchema> = {
  name: 'settlement',
  configSchema,
  module: (config) => ({
    module: SettlementModule,
    imports: [PlatformModule.forService({ service: 'settlement', config })],
  }),
};
