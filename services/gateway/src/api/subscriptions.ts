import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger } from '@nestjs/common';
import type { ServiceMetrics } from '@gpux/platform';
import {
  ExecutionArgs,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  GraphQLFormattedError,
  GraphQLSchema,
  Kind,
  parse,
  validate,
} from 'graphql';
import { CloseCode, type Context, type SubscribePayload } from 'graphql-ws';
import { WebSocket, WebSocketServer } from 'ws';
import { Authorization, authorizationOfParams, Principal, RequestContext } from './auth';
import { sharedSubscriptions } from './shared-subscriptions';
import { apiError, formatError, variableAtFault } from './errors';
import { nameArgumentPaths, variableArgumentPath, withArgumentPaths } from './argument-paths';
import { nameFieldsAtFault } from './field-at-fault';
import { dependencyDown } from './unavailable';
import { malformedIdErrors } from './ids';
import { nullVariableErrors } from './null-variables';
import { wideVariableError } from './wide-variables';
import { operationLimitErrors } from './limits';
import { subscriptionRootErrors } from './subscription-root';
import { operationNotResolved } from './operation-resolution';
import { documentTextError } from './nesting';
import { SocketOperations } from './operations';
import {
  SocketsPerCaller,
  socketsFullResponse,
  TOO_MANY_SOCKETS_CLOSE_CODE,
  tooManySocketsReason,
} from './socket-caps';
import type { ReadModelWatch } from './rebuilding';
import { guardMessages } from './socket-guard';
import {
  keyRevoked,
  refusedKeyReason,
  REVOKED_KEY_CLOSE_CODE,
  revokedKeyReason,
  SocketKeys,
} from './socket-keys';
import {
  mutationsAdmitted,
  RateLimiter,
  rateLimitedError,
  rateSubject,
  rootFieldCount,
} from './rate-limiter';

// graphql-ws offers its `ws` binding only through package exports, which this workspace's
// moduleResolution ("node") does not read: the types come from the file, the code by its export.
const { useServer } = require('graphql-ws/use/ws') as typeof import('graphql-ws/dist/use/ws');

export interface SubscriptionServerOptions {
  path: string;
  /** The largest WebSocket frame accepted, bytes; a larger one closes the socket (1009, message too big). */
  maxPayloadBytes: number;
  /** Operations a socket may have running at once. */
  maxSubscriptions: number;
  /** Sockets the gateway holds at once, all callers together: one more is answered 503 before it opens. */
  maxSockets: number;
  /** Sockets one caller (rateSubject: a key, a node, an IP address without a key) may hold at once. */
  maxSocketsPerCaller: number;
  /**
   * What an anonymous socket (no API key in its connection parameters) may subscribe to: the
   * subscriptions marked `@Public()` (publicSubscriptions in access.ts), public market data.
   */
  publicSubscriptions: ReadonlySet<string>;
  /** The raw HTTP answer to an upgrade on a connection that may not have one (ConnectionCaps), if any. */
  upgradeRefusal?: (socket: Duplex) => string | undefined;
  /** How often the key of every socket opened with one is looked up again (socket-keys.ts), ms. */
  keyRecheckMs: number;
}

type Extra = {
  request: IncomingMessage;
  socket: WebSocket;
  context?: RequestContext;
  /** The key the socket was opened with (its connectionParams' authorization), if any. */
  authorization?: Authorization;
  /** Who the socket is for the rate limit and the socket cap: set once it is counted, until it closes. */
  subject?: string;
  /** What the socket runs, pending operations among them (operations.ts). */
  operations?: SocketOperations;
};

type Ctx = Context<Record<string, unknown> | undefined, Extra>;

const logger = new Logger('subscriptions');

/** Errors as HTTP formats them: a code each, never internals. */
function formatted(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
  return errors.map((e) => formatError(e.toJSON(), e));
}

/**
 * The graphql-ws server, held to the same rules as HTTP: the API key (checked when the socket
 * connects, again as each operation starts, and every `keyRecheckMs` while it is open: a socket
 * whose key was revoked or rotated is closed 4401, socket-keys.ts), the depth, field and cost limits (limits.ts), the per-caller rate limit (each
 * operation counts as a request), errors formatted alike; and its own: frames of at most
 * `maxPayloadBytes`, at most `maxSubscriptions` operations at once per socket, at most
 * `maxSocketsPerCaller` sockets per caller and `maxSockets` in all, and anonymous sockets only for
 * the public subscriptions. Which root fields a key may run is the resolvers'
 * access guard's to decide (access.ts), here as over HTTP.
 */
export class SubscriptionServer {
  private readonly wss: WebSocketServer;
  private readonly disposable: { dispose: () => void | Promise<void> };
  private readonly onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  private readonly keys = new SocketKeys<WebSocket>();
  private readonly recheck: NodeJS.Timeout;

  constructor(
    private readonly http: Server,
    private readonly schema: GraphQLSchema,
    private readonly contextOf: (authorization: Authorization) => Promise<RequestContext>,
    limiter: RateLimiter,
    private readonly watch: ReadModelWatch,
    options: SubscriptionServerOptions,
    metrics: ServiceMetrics,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      path: options.path,
      maxPayload: options.maxPayloadBytes,
    });
    const { wss } = this;
    const perCaller = new SocketsPerCaller(options.maxSocketsPerCaller);
    metrics.gauge({
      name: 'gpux_websockets_open',
      help: 'WebSockets the gateway holds, those still waiting for their connection_init among them',
      collect() {
        this.set(wss.clients.size);
      },
    });
    const shared = sharedSubscriptions(options.publicSubscriptions);
    const refused = metrics.counter<'reason'>({
      name: 'gpux_websockets_refused_total',
      help: "WebSockets refused: over their caller's cap (caller_cap, closed 1008) or the gateway's (gateway_cap, upgrade answered 503)",
      labelNames: ['reason'],
    });
    this.disposable = useServer<Record<string, unknown> | undefined, Extra>(
      {
        schema,
        context: (ctx) => ctx.extra.context ?? { principal: null },
        onConnect: async (ctx) => {
          const authorization = authorizationOfParams(ctx.connectionParams);
          const context = await contextOf(authorization);
          ctx.extra.context = context;
          ctx.extra.authorization = authorization;
          const subject = rateSubject(context.principal, ctx.extra.request.socket.remoteAddress);
          // Closed while its key was being checked: onClose has run already, nothing to count.
          if (ctx.extra.socket.readyState !== WebSocket.OPEN) return false;
          // A key that was sent and refused (malformed, unknown, revoked) is never taken for no key:
          // the socket is refused as one whose key is revoked later is, 4401 with why (graphql-ws'
          // client gives up on it rather than reconnecting). One that could not be looked up
          // (UNAVAILABLE) is looked up again by each operation (caller).
          if (keyRevoked(context)) {
            ctx.extra.socket.close(REVOKED_KEY_CLOSE_CODE, refusedKeyReason(context.authError));
            return false;
          }
          if (!perCaller.take(subject)) {
            refused.inc({ reason: 'caller_cap' });
            // graphql-ws would close it 4403 Forbidden, which its client retries: this says what to fix.
            ctx.extra.socket.close(TOO_MANY_SOCKETS_CLOSE_CODE, tooManySocketsReason(perCaller.max));
            return false;
          }
          ctx.extra.subject = subject;
          if (typeof authorization === 'string' && context.principal)
            this.keys.add(ctx.extra.socket, authorization, context.principal);
          return true;
        },
        onClose: async (ctx) => {
          if (ctx.extra.subject) perCaller.release(ctx.extra.subject);
          this.keys.remove(ctx.extra.socket);
          // graphql-ws has returned the iterators it holds; these are the ones it never held.
          await ctx.extra.operations?.close();
        },
        onSubscribe: async (ctx, id, payload) => this.subscribe(ctx, id, payload, limiter, options),
        onOperation: (ctx, id, _payload, _args, result) =>
          operationsOf(ctx).start(id, result, wanted(ctx, id)) as typeof result,
        // Market data executed once per event for all its watchers (shared-subscriptions.ts).
        subscribe: async (args) => {
          try {
            return await shared(args);
          } catch (error) {
            // Thrown out of graphql-ws it would close the socket 4500 with its message.
            return { errors: [unexpectedError(error)] };
          }
        },
        onNext: async (_ctx, _id, _payload, args, result) => {
          if (!result.errors?.length) return undefined;
          const errors = withArgumentPaths(
            args.schema,
            args.document,
            args.operationName,
            formatted(result.errors),
          );
          return { ...result, errors: await this.watch.withoutFalseNotFound(errors) };
        },
        onError: (_ctx, _id, _payload, errors) => formatted(errors),
      },
      this.wss,
    );
    this.onUpgrade = (req, socket, head) => {
      const path = (req.url ?? '').split('?')[0];
      // Nothing else on this server takes WebSockets: any other path is refused at once.
      if (path !== options.path) return void socket.destroy();
      const refusal = options.upgradeRefusal?.(socket);
      if (refusal) return void socket.end(refusal);
      // Sockets waiting for their connection_init count too: graphql-ws closes them after 3 s.
      if (this.wss.clients.size >= options.maxSockets) {
        refused.inc({ reason: 'gateway_cap' });
        socket.end(socketsFullResponse(options.maxSockets));
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        // Before graphql-ws listens: what it would answer 4500, or answer without end to a client
        // that reads nothing, is refused first (socket-guard.ts).
        guardMessages(ws);
        this.wss.emit('connection', ws, req);
        // graphql-ws prints every socket error to stderr as a server bug; a frame over the cap or a
        // malformed one is the client's doing, and ws has already closed the socket with its code
        // (1009 for a frame over maxPayload).
        ws.removeAllListeners('error');
        ws.on('error', (error) =>
          logger.debug({ msg: 'WebSocket closed on a bad frame', error: error.message }),
        );
      });
    };
    http.on('upgrade', this.onUpgrade);
    this.recheck = setInterval(() => {
      this.keys
        .sweep(contextOf, (socket, principal) => closeRevoked(socket, principal))
        .catch((error: unknown) =>
          logger.warn({
            msg: "sockets' keys not looked up again",
            error: error instanceof Error ? error.message : String(error),
          }),
        );
    }, options.keyRecheckMs);
    this.recheck.unref();
  }

  /**
   * The socket's caller as its key stands now, looked up again as HTTP does for every request; or
   * why this operation is refused.
   */
  private async caller(ctx: Ctx): Promise<RequestContext | GraphQLError[]> {
    const opened = ctx.extra.context ?? { principal: null };
    // A socket without a key is anonymous; one whose key could not be looked up when it connected
    // (UNAVAILABLE: Redis down, a model rebuilt) is looked up again. A socket with a key refused for
    // good is closed at its connection_init; were one left, it runs nothing, public data included.
    if (ctx.extra.authorization === undefined) return opened;
    if (!opened.principal && !retryable(opened.authError)) return [unexpectedError(opened.authError)];
    const fresh = await this.contextOf(ctx.extra.authorization);
    if (fresh.principal) {
      // Looked up only now: from now on its key is rechecked like any other socket's.
      if (!opened.principal && typeof ctx.extra.authorization === 'string')
        this.keys.add(ctx.extra.socket, ctx.extra.authorization, fresh.principal);
      ctx.extra.context = fresh;
      return fresh;
    }
    // Refused; a socket whose key no longer holds is closed by the next sweep (after this answer).
    // A lookup that failed (Redis down) is UNAVAILABLE, as over HTTP (formatError).
    return [unexpectedError(fresh.authError)];
  }

  /**
   * An operation a socket starts: tracked from now until it ends (operations.ts), refused when its
   * id is taken or the socket runs as many as it may; its execution arguments, or why it is refused.
   */
  private async subscribe(
    ctx: Ctx,
    id: string,
    payload: SubscribePayload,
    limiter: RateLimiter,
    options: SubscriptionServerOptions,
  ): Promise<ExecutionArgs | GraphQLError[]> {
    const { socket } = ctx.extra;
    // Frames still arrive while a socket closes: nothing more starts on it.
    if (socket.readyState !== WebSocket.OPEN) return [notStartedError()];
    const operations = operationsOf(ctx);
    if (operations.has(id)) {
      // What graphql-ws does for a duplicate it sees; this one it cannot see: completed while pending.
      socket.close(CloseCode.SubscriberAlreadyExists, closeReason(`Subscriber for ${id} already exists`));
      return [notStartedError()];
    }
    if (operations.size >= options.maxSubscriptions) {
      return [
        apiError(
          'TOO_MANY_SUBSCRIPTIONS',
          `this socket already has ${options.maxSubscriptions} operations running, the most allowed: complete one first (or open another socket)`,
        ),
      ];
    }
    const operation = operations.begin(id);
    if (!operation) return [notStartedError()];
    let admitted: ExecutionArgs | GraphQLError[];
    try {
      admitted = await this.admit(ctx, payload, limiter, options);
    } catch (error) {
      // Redis down while admitting (whether a read model is being rebuilt, the caller's key): an
      // answer with a code, never the socket closed 4500 with ioredis' words.
      admitted = [unexpectedError(error)];
    }
    if (Array.isArray(admitted)) {
      operation.end();
      return admitted;
    }
    // Completed while it was admitted, or its socket closing: it never subscribes.
    if (operation.done || !wanted(ctx, id)) {
      operation.end();
      return [notStartedError()];
    }
    return admitted;
  }

  /** The operation's execution arguments, or why it is refused. */
  private async admit(
    ctx: Ctx,
    payload: SubscribePayload,
    limiter: RateLimiter,
    options: SubscriptionServerOptions,
  ): Promise<ExecutionArgs | GraphQLError[]> {
    try {
      const retryAfterMs = await limiter.take(ctx.extra.subject ?? 'ip:unknown');
      if (retryAfterMs !== null) return [rateLimitedError(retryAfterMs)];
    } catch (error) {
      logger.warn({
        msg: 'rate limit not counted',
        error: error instanceof Error ? error.message : String(error),
      });
    }
    if (typeof payload.query !== 'string')
      return [apiError('BAD_USER_INPUT', 'the payload must carry a query', 'query')];
    const tooLarge = documentTextError(payload.query);
    if (tooLarge) return [tooLarge];
    let document;
    try {
      document = parse(payload.query);
    } catch (error) {
      return [
        error instanceof GraphQLError
          ? withCode(error, 'GRAPHQL_PARSE_FAILED')
          : apiError('BAD_USER_INPUT', 'the query does not parse', 'query'),
      ];
    }
    // Before graphql-js validates: it throws on a conditional root field given by a variable.
    const conditionalRoot = subscriptionRootErrors(document);
    if (conditionalRoot.length) return conditionalRoot;
    const invalid = validate(this.schema, document);
    if (invalid.length) {
      nameFieldsAtFault(document, invalid);
      nameArgumentPaths(this.schema, document, payload.operationName, invalid);
      return invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
    }
    const variables = payload.variables ?? undefined;
    const wide = wideVariableError(document, variables);
    if (wide) return [wide];
    const tooComplex = operationLimitErrors(this.schema, document, payload.operationName, variables);
    if (tooComplex.length) return tooComplex;
    const malformed = malformedIdErrors(this.schema, document, payload.operationName, variables);
    if (malformed.length) return malformed;
    const nulls = nullVariableErrors(this.schema, document, payload.operationName, variables);
    if (nulls.length) return nulls;
    const operation = getOperationAST(document, payload.operationName);
    if (!operation) return [operationNotResolved(document, payload.operationName)];
    if (operation.operation === 'mutation') {
      const mutations = rootFieldCount(document, operation);
      const refused = await mutationsAdmitted(limiter, ctx.extra.subject ?? 'ip:unknown', mutations);
      if (refused) return [refused];
    }
    const context = await this.caller(ctx);
    if (Array.isArray(context)) return context;
    // Variables are coerced here, as Apollo does over HTTP, so a value of the wrong type is the
    // caller's BAD_USER_INPUT naming the variable, not an error out of execution.
    const coerced = getVariableValues(this.schema, operation.variableDefinitions ?? [], variables ?? {});
    if (coerced.errors)
      return coerced.errors.map((e) => {
        const field = variableAtFault(e.message);
        return apiError('BAD_USER_INPUT', e.message, field && variableArgumentPath(document, field));
      });
    if (!context.principal) {
      const rootFields = operation.selectionSet.selections.map((s) =>
        s.kind === Kind.FIELD ? s.name.value : '…',
      );
      const personal =
        operation.operation !== 'subscription' || rootFields.some((f) => !options.publicSubscriptions.has(f));
      if (personal) {
        if (context.authError) return [unexpectedError(context.authError)];
        return [
          apiError(
            'UNAUTHENTICATED',
            `without an API key a socket may only subscribe to ${[...options.publicSubscriptions].join(', ')}: send connectionParams { authorization: "Bearer <key>" }`,
          ),
        ];
      }
    }
    // After the anonymous check: a query an anonymous socket may not run costs Redis nothing.
    const rebuilding = await this.watch.refusal(operation, document);
    if (rebuilding) return [rebuilding];
    return {
      schema: this.schema,
      document,
      operationName: payload.operationName ?? null,
      variableValues: variables ?? null,
      // The operation's own: its mutations after the first look the key up again (AccessGuard).
      contextValue: { ...context, again: () => this.contextOf(ctx.extra.authorization) },
    };
  }

  async close(): Promise<void> {
    clearInterval(this.recheck);
    this.http.off('upgrade', this.onUpgrade);
    await this.disposable.dispose();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function operationsOf(ctx: Ctx): SocketOperations {
  return (ctx.extra.operations ??= new SocketOperations());
}

/** Whether operation `id` is still wanted: not completed by the client, its socket open. */
function wanted(ctx: Ctx, id: string): boolean {
  return id in ctx.subscriptions && ctx.extra.socket.readyState === WebSocket.OPEN;
}

/** A key refused because it could not be looked up (a model rebuilt, Redis down), not because it is invalid. */
function retryable(error: Error | undefined): boolean {
  return (
    (error instanceof GraphQLError && error.extensions['code'] === 'UNAVAILABLE') || dependencyDown(error)
  );
}

/** Why an operation did not start, never sent: graphql-ws answers only operations it still holds. */
function notStartedError(): GraphQLError {
  return apiError('BAD_REQUEST', 'the operation was completed, or its socket closed, before it started');
}

/**
 * An error raised by no one on purpose, as formatError answers it: UNAVAILABLE when Redis or
 * Kafka could not be reached, else INTERNAL_SERVER_ERROR (logged), never its own words.
 */
function unexpectedError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const original = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(original.message, { originalError: original });
}

/** A close reason within WebSocket's 123 bytes (an id may be as long as a frame). */
function closeReason(reason: string): string {
  return Buffer.byteLength(reason) <= 123 ? reason : 'Subscriber for that id already exists';
}

function closeRevoked(socket: WebSocket, principal: Pick<Principal, 'nodeId'>): void {
  if (socket.readyState === WebSocket.OPEN) socket.close(REVOKED_KEY_CLOSE_CODE, revokedKeyReason(principal));
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    // As Apollo wraps it over HTTP: a scalar's refusal stays the caller's BAD_USER_INPUT (formatError).
    originalError: error,
    extensions: { ...error.extensions, code },
  });
}
