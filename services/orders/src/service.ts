import { Module } from '@nestjs/common';
import { PlatformModule, ServiceDefinition, serviceConfigSchema } from '@gpux/platform';

const configSchema = serviceConfigSchema(4101);

@Module({})
export class OrdersModule {}

export const ordersService: ServiceDefinition<typeof configSchema> = {
  name: 'orders',
  configSchema,
  module: (config) => ({
    module: OrdersModule,
    imports: [PlatformModule.forService({ service: 'orders', config })],
  }),
};
