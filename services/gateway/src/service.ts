import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  MiddlewareConsumer,
  Module,
  NestModule,
  OnApplicationBootstrap,
  RequestMethod,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, HttpAdapterHost } from '@nestjs/core';
import { GraphQLModule, GraphQLSchemaHost } from '@nestjs/graphql';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { z } from 'zod';
import { eventSourcingConfigShape } from '@gpux/eventsourcing';
import {
  PlatformModule,
  RedisClient,
  SERVICE_CONFIG,
  ServiceDefinition,
  serviceConfigSchema,
  ServiceMetrics,
} from '@gpux/platform';
import { AccountsResolver } from './accounts/accounts.resolver';
import { ViewerResolver } from './accounts/viewer.resolver';
import { ClientErrorsFilter } from './api/client-errors.filter';
import { AccessGuard, publicSubscriptions } from './api/access';
import { ApiKeys, authorizationOf, RequestContext } from './api/auth';
import { Commands } from './api/commands';
import { ConsoleAssets } from './console/console-assets';
import { badBodyAnswer } from './api/bad-body';
import { ConnectionCaps, effectiveConnectionCap } from './api/connection-caps';
import { argumentPathsPlugin } from './api/argument-paths';
import { formatError } from './api/errors';
import { httpSubscriptionsPlugin } from './api/http-subscriptions';
import { httpRequestShape } from './api/request-shape';
import { graphqlMetricsPlugin } from './api/metrics';
import { ReadModelWatch, rebuildingPlugin } from './api/rebuilding';
import { describeRootTypes } from './api/root-types';
import { belowGraphqlPath } from './api/graphql-path';
import { literalFieldPlugin } from './api/field-at-fault';
import { idsPlugin } from './api/ids';
import { nullVariablesPlugin } from './api/null-variables';
import { wideVariablesPlugin } from './api/wide-variables';
import { NullAsAbsentInterceptor } from './api/null-as-absent';
import { httpDocumentLimits } from './api/nesting';
import { corsOptions, corsOriginsSchema } from './api/cors';
import { operationLimitsPlugin } from './api/limits';
import { RedisPubSub } from './api/pubsub';
import { rateRule } from './api/rate-limit';
import { ContextualRequest, httpRateLimit, mutationRatePlugin, RateLimiter } from './api/rate-limiter';
import { SubscriptionServer } from './api/subscriptions';
import { MarketsResolver } from './markets/markets.resolver';
import { NodesResolver } from './nodes/nodes.resolver';
import { OrdersResolver } from './orders/orders.resolver';
import { BuyingPowerResolver } from './orders/buying-power.resolver';
import { SystemResolver } from './system/system.resolver';
import { WorkersResolver } from './workers/workers.resolver';

const configFields = serviceConfigSchema(4000).extend({
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
  /**
   * How often workers heartbeat, for a session an older capacity started: capacity records its own
   * in each session, and workers are told those. (How long a heartbeat counts is capacity's alone.)
   */
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /**
   * How capacity sizes challenges from their claims (the smallest n, the largest, and the least time
   * a product takes at the claim: docs/certification.md), for a worker whose session an older
   * capacity started: capacity records its own in each session, and workers are told those.
   */
  CHALLENGE_SIZE: z.coerce.number().int().min(16).max(8192).default(1024),
  CHALLENGE_MAX_SIZE: z.coerce.number().int().min(16).max(8192).default(8192),
  CHALLENGE_PRODUCT_MS: z.coerce.number().min(0).max(60_000).default(5),
  TOPIC_NAMESPACE: z
    .string()
    .regex(/^([a-z0-9][a-z0-9-]{0,62})?$/, 'must be empty or lower-case letters, digits and -')
    .default(''),
  /** How long an idempotency key stays bound to the request it was first used for (set the services' alike). */
  IDEMPOTENCY_WINDOW_MS: eventSourcingConfigShape.IDEMPOTENCY_WINDOW_MS,
  /**
   * Requests a second per API key (per IP address without one), over HTTP and WebSocket alike; 0,
   * the default, sets no limit (the e2e suites and bench:trading run hundreds a second).
   */
  GATEWAY_RATE_LIMIT_PER_SEC: z.coerce.number().min(0).max(1_000_000).default(0),
  /** Requests allowed at once above the rate; 0 (the default) means one second's worth. */
  GATEWAY_RATE_LIMIT_BURST: z.coerce.number().int().min(0).max(10_000_000).default(0),
  /** The largest WebSocket frame, bytes: subscriptions are small (HTTP bodies may be 1 MB for certification openings). */
  GATEWAY_WS_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(1024).max(1_000_000).default(65_536),
  /** Operations one WebSocket may have running at once. */
  GATEWAY_WS_MAX_SUBSCRIPTIONS: z.coerce.number().int().min(1).max(10_000).default(20),
  /** WebSockets the gateway holds at once, all callers together (each costs memory for what it runs). */
  GATEWAY_WS_MAX_SOCKETS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** WebSockets one caller (an API key, a node, an IP address without a key) may hold at once. */
  GATEWAY_WS_MAX_SOCKETS_PER_CALLER: z.coerce.number().int().min(1).max(1_000_000).default(50),
  /**
   * How often the key of every WebSocket opened with one is looked up again, ms: a socket whose key
   * was revoked (or, a node's, rotated) since is closed 4401 (api/socket-keys.ts). Each operation a
   * socket starts looks its key up at once.
   */
  GATEWAY_WS_KEY_RECHECK_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  /**
   * TCP connections the gateway holds at once, WebSockets among them; past it a connection is
   * dropped. Lowered at start to leave 1,000 open files beside it (api/connection-caps.ts).
   */
  GATEWAY_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(15_000),
  /** TCP connections one remote address may hold; past it its requests are answered 429. */
  GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
  /** The built web console (apps/console), served at `/`; relative to the working directory. */
  CONSOLE_DIR: z.string().min(1).default('dist/apps/console'),
  /** Which browser origins may call the API (api/cors.ts): `*` (the default), a list, or empty for none. */
  GATEWAY_CORS_ORIGINS: corsOriginsSchema,
});
// Checked across fields, naming the variable at fault.
const configSchema = configFields.refine((c) => c.CHALLENGE_MAX_SIZE >= c.CHALLENGE_SIZE, {
  path: ['CHALLENGE_MAX_SIZE'],
  message: 'must be at least CHALLENGE_SIZE (the smallest challenge size)',
});
type GatewayConfig = z.infer<typeof configSchema>;

/** Who is calling (the API key) and how often they may: one of each per gateway, for HTTP and WebSocket. */
class GatewayAccess {
  readonly keys: ApiKeys;
  readonly limiter: RateLimiter;
  /** Whether the read models are whole (api/rebuilding.ts). */
  readonly watch: ReadModelWatch;

  constructor(
    config: GatewayConfig,
    readonly redis: RedisClient,
  ) {
    this.watch = new ReadModelWatch(redis.redis);
    this.keys = new ApiKeys(config.ADMIN_API_KEY, redis.redis, this.watch);
    const rule = rateRule(
      config.GATEWAY_RATE_LIMIT_PER_SEC,
      config.GATEWAY_RATE_LIMIT_BURST || Math.ceil(config.GATEWAY_RATE_LIMIT_PER_SEC),
    );
    this.limiter = new RateLimiter(redis.redis, rule);
  }

  /**
   * The HTTP request's context, authenticated once (by the rate limit, when there is one), and
   * again for each mutation after its first (RequestContext.again).
   */
  async contextOf(req: ContextualRequest | undefined): Promise<RequestContext> {
    const authorization = authorizationOf(req);
    const context = req?.gpuxContext ?? (await this.keys.contextOf(authorization));
    return { ...context, again: () => this.keys.contextOf(authorization) };
  }
}

/** The resolvers that make up the public schema; schema.graphql is generated from these. */
export const resolvers = [
  SystemResolver,
  AccountsResolver,
  ViewerResolver,
  MarketsResolver,
  NodesResolver,
  OrdersResolver,
  BuyingPowerResolver,
  WorkersResolver,
];

/** This process' limits (Linux), for the cap on connections; undefined where there is no /proc. */
function processLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The HTTP server's sockets, once the schema is built: the caps on connections (api/connection-caps.ts)
 * and the graphql-ws server, closed before the HTTP server.
 */
@Injectable()
class ServerSockets implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('connections');
  private server: SubscriptionServer | undefined;

  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly schema: GraphQLSchemaHost,
    private readonly access: GatewayAccess,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly metrics: ServiceMetrics,
  ) {}

  onApplicationBootstrap(): void {
    const http = this.adapter.httpAdapter.getHttpServer() as Server;
    const max = effectiveConnectionCap(this.config.GATEWAY_MAX_CONNECTIONS, processLimits());
    if (max < this.config.GATEWAY_MAX_CONNECTIONS)
      this.logger.warn({
        msg: `GATEWAY_MAX_CONNECTIONS lowered to ${max}: the process may open too few files for ${this.config.GATEWAY_MAX_CONNECTIONS} connections and its Kafka and Redis ones (raise ulimit -n)`,
      });
    const caps = new ConnectionCaps(
      http,
      { max, perAddress: this.config.GATEWAY_MAX_CONNECTIONS_PER_ADDRESS },
      this.metrics,
    );
    this.server = new SubscriptionServer(
      http,
      this.schema.schema,
      (authorization) => this.access.keys.contextOf(authorization),
      this.access.limiter,
      this.access.watch,
      {
        path: this.config.GRAPHQL_PATH,
        maxPayloadBytes: this.config.GATEWAY_WS_MAX_PAYLOAD_BYTES,
        maxSubscriptions: this.config.GATEWAY_WS_MAX_SUBSCRIPTIONS,
        maxSockets: this.config.GATEWAY_WS_MAX_SOCKETS,
        maxSocketsPerCaller: this.config.GATEWAY_WS_MAX_SOCKETS_PER_CALLER,
        keyRecheckMs: this.config.GATEWAY_WS_KEY_RECHECK_MS,
        publicSubscriptions: publicSubscriptions(resolvers),
        upgradeRefusal: (socket) => caps.upgradeRefusal(socket),
      },
      this.metrics,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }
}

@Module({})
export class GatewayModule implements NestModule {
  constructor(
    private readonly access: GatewayAccess,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * The rate limit on HTTP, the document's nesting (api/nesting.ts), and the request's shape
   * (api/request-shape.ts), before Apollo parses anything.
   */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(
        httpRateLimit(this.access.limiter, (req) => this.access.keys.contextOf(authorizationOf(req))),
        httpDocumentLimits,
        httpRequestShape(this.config.GRAPHQL_PATH),
      )
      .forRoutes({ path: this.config.GRAPHQL_PATH, method: RequestMethod.ALL });
    consumer
      .apply(belowGraphqlPath(this.config.GRAPHQL_PATH))
      .forRoutes({ path: `${this.config.GRAPHQL_PATH}/*rest`, method: RequestMethod.ALL });
  }
}

export const gatewayService: ServiceDefinition<typeof configSchema> = {
  name: 'gateway',
  configSchema,
  // The largest legitimate request is a certification opening: 128 leaves of 1 KiB with their
  // proofs, about 300 kB at n = 512 and 450 kB at n = 8192 (docs/certification.md).
  maxBodyBytes: 1_000_000,
  badBody: badBodyAnswer,
  cors: (config) => corsOptions(config.GATEWAY_CORS_ORIGINS),
  module: (config) => {
    let access: GatewayAccess | undefined;
    const accessOf = (redis: RedisClient) => (access ??= new GatewayAccess(config, redis));
    return {
      module: GatewayModule,
      imports: [
        // Its Redis fails fast while down: a request is answered UNAVAILABLE (retry in a second) at
        // once, not after ioredis' reconnections (6 to 8 s each).
        PlatformModule.forService({ service: 'gateway', config, redis: { failFastWhenDown: true } }),
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [RedisClient, ServiceMetrics],
          useFactory: (redis: RedisClient, metrics: ServiceMetrics) => {
            const gateway = accessOf(redis);
            return {
              // HTTP requests carry the key in their header. WebSockets (graphql-ws) carry it in their
              // connection parameters, checked once when the socket connects: their server is ours
              // (ServerSockets, api/subscriptions.ts), held to the same limits.
              context: ({ req }: { req?: IncomingMessage }): Promise<RequestContext> =>
                gateway.contextOf(req),
              plugins: [
                graphqlMetricsPlugin(metrics),
                httpSubscriptionsPlugin(config.GRAPHQL_PATH),
                wideVariablesPlugin,
                operationLimitsPlugin,
                idsPlugin,
                nullVariablesPlugin,
                mutationRatePlugin(gateway.limiter),
                rebuildingPlugin(gateway.watch),
                literalFieldPlugin,
                argumentPathsPlugin,
              ],
              formatError,
              path: config.GRAPHQL_PATH,
              autoSchemaFile: true,
              // Query, Mutation and Subscription described, as schema.graphql has them.
              transformSchema: describeRootTypes,
              sortSchema: true,
              playground: false,
              introspection: true,
              // Errors carry a code, never a stack trace.
              includeStacktraceInErrorResponses: false,
            };
          },
        }),
      ],
      providers: [
        { provide: GatewayAccess, inject: [RedisClient], useFactory: accessOf },
        { provide: ReadModelWatch, inject: [GatewayAccess], useFactory: (a: GatewayAccess) => a.watch },
        // Every root field's access (`@Public()` / `@Roles(…)`), over HTTP and WebSocket alike.
        { provide: APP_GUARD, useClass: AccessGuard },
        // An explicit null argument or input field is what leaving it out is (api/null-as-absent.ts).
        { provide: APP_INTERCEPTOR, useClass: NullAsAbsentInterceptor },
        // A client's error is answered, not logged as the gateway's (api/client-errors.filter.ts).
        { provide: APP_FILTER, useClass: ClientErrorsFilter },
        ServerSockets,
        ConsoleAssets,
        Commands,
        RedisPubSub,
        ...resolvers,
      ],
    };
  },
};
