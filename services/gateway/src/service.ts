import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { eventSourcingConfigShape } from '@gpux/eventsourcing';
import { PlatformModule, RedisClient, ServiceDefinition, serviceConfigSchema } from '@gpux/platform';
import { AccountsResolver } from './accounts/accounts.resolver';
import { ApiKeys, authorizationOf, RequestContext } from './api/auth';
import { Commands } from './api/commands';
import { formatError } from './api/errors';
import { complexityLimit } from './api/limits';
import { RedisPubSub } from './api/pubsub';
import { MarketsResolver } from './markets/markets.resolver';
import { NodesResolver } from './nodes/nodes.resolver';
import { OrdersResolver } from './orders/orders.resolver';
import { SystemResolver } from './system/system.resolver';
import { WorkersResolver } from './workers/workers.resolver';

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
  /** How often workers heartbeat, and after how long without one their node is lost (set capacity's alike). */
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  HEARTBEAT_TIMEOUT_MS: z.coerce.number().int().min(500).max(3_600_000).default(20_000),
  /** The size n of certification challenges (set capacity's alike). */
  CHALLENGE_SIZE: z.coerce.number().int().min(16).max(8192).default(512),
  TOPIC_NAMESPACE: z
    .string()
    .regex(/^([a-z0-9][a-z0-9-]{0,62})?$/, 'must be empty or lower-case letters, digits and -')
    .default(''),
  /** How long an idempotency key stays bound to the request it was first used for (set the services' alike). */
  IDEMPOTENCY_WINDOW_MS: eventSourcingConfigShape.IDEMPOTENCY_WINDOW_MS,
});

/** The resolvers that make up the public schema; schema.graphql is generated from these. */
export const resolvers = [
  SystemResolver,
  AccountsResolver,
  MarketsResolver,
  NodesResolver,
  OrdersResolver,
  WorkersResolver,
];

@Module({})
export class GatewayModule {}

export const gatewayService: ServiceDefinition<typeof configSchema> = {
  name: 'gateway',
  configSchema,
  // The largest legitimate request is a certification opening: 128 leaves of 1 KiB with their
  // proofs, about 300 kB at n = 512 and 450 kB at n = 8192 (docs/certification.md).
  maxBodyBytes: 1_000_000,
  module: (config) => ({
    module: GatewayModule,
    imports: [
      PlatformModule.forService({ service: 'gateway', config }),
      GraphQLModule.forRootAsync<ApolloDriverConfig>({
        driver: ApolloDriver,
        inject: [RedisClient],
        useFactory: (redis: RedisClient) => {
          const keys = new ApiKeys(config.ADMIN_API_KEY, redis.redis);
          return {
            // HTTP requests carry the key in their header; WebSocket subscriptions in the
            // connection parameters (graphql-ws), checked once when the socket connects.
            context: async ({
              req,
              extra,
            }: {
              req?: IncomingMessage;
              extra?: { context?: RequestContext };
            }): Promise<RequestContext> => extra?.context ?? keys.contextOf(authorizationOf(req)),
            subscriptions: {
              'graphql-ws': {
                path: config.GRAPHQL_PATH,
                onConnect: async (ctx: { connectionParams?: Record<string, unknown>; extra: unknown }) => {
                  (ctx.extra as { context?: RequestContext }).context = await keys.contextOf(
                    authorizationOf(undefined, ctx.connectionParams),
                  );
                  return true;
                },
              },
            },
            validationRules: [complexityLimit],
            formatError,
            path: config.GRAPHQL_PATH,
            autoSchemaFile: true,
            sortSchema: true,
            playground: false,
            introspection: true,
            // Errors carry a code, never a stack trace.
            includeStacktraceInErrorResponses: false,
          };
        },
      }),
    ],
    providers: [Commands, RedisPubSub, ...resolvers],
  }),
};
