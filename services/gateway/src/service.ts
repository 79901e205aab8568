import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { z } from 'zod';
import { PlatformModule, ServiceDefinition, serviceConfigSchema } from '@gpux/platform';
import { AccountsResolver } from './accounts/accounts.resolver';
import { ApiKeys, contextOf } from './api/auth';
import { formatError } from './api/errors';
import { complexityLimit } from './api/limits';
import { SystemResolver } from './system/system.resolver';

const configSchema = serviceConfigSchema(4000).extend({
  GRAPHQL_PATH: z
    .string()
    .regex(/^\/[\w\-/]*$/, 'must be a URL path starting with /, e.g. /graphql')
    .default('/graphql'),
  /** The admin bootstrap key; without one no operation needing admin can run. */
  ADMIN_API_KEY: z
    .string()
    .min(24, 'must be at least 24 characters')
    .max(256)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
  TOPIC_NAMESPACE: z
    .string()
    .regex(/^([a-z0-9][a-z0-9-]{0,62})?$/, 'must be empty or lower-case letters, digits and -')
    .default(''),
});

/** The resolvers that make up the public schema; schema.graphql is generated from these. */
export const resolvers = [SystemResolver, AccountsResolver];

@Module({})
export class GatewayModule {}

export const gatewayService: ServiceDefinition<typeof configSchema> = {
  name: 'gateway',
  configSchema,
  module: (config) => {
    const keys = new ApiKeys(config.ADMIN_API_KEY);
    return {
      module: GatewayModule,
      imports: [
        PlatformModule.forService({ service: 'gateway', config }),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          context: ({ req }: { req?: import('node:http').IncomingMessage }) => contextOf(keys, req),
          validationRules: [complexityLimit],
          formatError,
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
    };
  },
};
