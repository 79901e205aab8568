import { Module } from '@nestjs/common';
import { PlatformModule, ServiceDefinition, serviceConfigSchema } from '@gpux/platform';

const configSchema = serviceConfigSchema(4102);

@Module({})
export class PricingModule {}

export const pricingService: ServiceDefinition<typeof configSchema> = {
  name: 'pricing',
  configSchema,
  module: (config) => ({
    module: PricingModule,
    imports: [PlatformModule.forService({ service: 'pricing', config })],
  }),
};
