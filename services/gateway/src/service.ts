import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { z } from 'zod';
import { PlatformModule, ServiceDefinition, serviceConfigSchema } from '@gpux/platform';
import { SystemResolver } from './system/system.resolver';

const configSchema = serviceConfigSchema(4000).extend({
  GRAPHQL_PATH: z.string().regex(/^\/[\w\-/]*$/, 'must be a URL path starting with /, e.g. /graphql').default('/graphql'),
});

/** The resolvers that make up the public schema; schema.graphql is generated from these. */
export const resolvers = [SystemResolver];

@Module({})
export class GatewayModule {}

export const gatewayService: ServiceDefinition<typeof configSchema> = {
  name: 'gateway',
  configSchema,
  module: (config) => ({
    module: GatewayModule,
    imports: [
      PlatformModule.forService({ service: 'gateway', config }),
      GraphQLModule.forRoot<ApolloDriverConfig>({
        driver: ApolloDriver,
        path: config.GRAPHQL_PATH,
        autoSchemaFile: true,
        sortSchema: true,
        playground: false,
        introspection: true,
        // Errors carry a code, never a stack trace.
        includeStacktraceInErrorResponses: false,
      }),
    ],
    providers: resolvers,
  }),
};
