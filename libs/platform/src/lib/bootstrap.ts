import 'reflect-metadata';
import { DynamicModule, INestApplication } from '@nestjs/common';
import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger } from 'nestjs-pino';
import { z } from 'zod';
import { BaseConfig, baseConfigSchema, ConfigError, ConfigSchema, loadConfig } from './config';
import { jsonScalarOf } from './json-scalar-body';
import { Readiness } from './readiness';
import { initTracing } from './tracing';

export interface ServiceDefinition<S extends ConfigSchema = typeof baseConfigSchema> {
  /** The service's name, as in logs, health and the Kafka client id. */
  name: string;
  /** The service's configuration: the base schema, extended with its own variables. */
  configSchema?: S;
  /** The root module, given the validated configuration. */
  module: (config: z.infer<S>) => DynamicModule;
  /** The largest JSON request body accepted, bytes (Express's default, 100 kB, when not given); larger ones get 413. */
  maxBodyBytes?: number;
  /**
   * What a request whose body cannot be read (not JSON, over `maxBodyBytes`, an unknown charset or
   * encoding) is answered with, as JSON with the error's status (4xx). Only with `maxBodyBytes`;
   * without, Nest's own `{ statusCode, message }`.
   */
  badBody?: (error: BodyError) => unknown;
  /** Which browser origins may call the service (CORS), given its configuration; none when absent or undefined. */
  cors?: (config: z.infer<S>) => CorsOptions | undefined;
}

/** Why a request's body could not be read, as Express' body parser says it. */
export interface BodyError {
  /** 400, 403, 413 or 415. */
  status: number;
  /** body-parser's kind: `entity.parse.failed`, `entity.too.large`, `charset.unsupported`, … */
  type: string;
  message: string;
  /** For `entity.too.large`: the limit, bytes. */
  limit?: number;
  /**
   * For `entity.parse.failed` of a body that is JSON but not an object or an array, which the
   * parser reads only: what it is ("a string", "a number", "true", "false", "null").
   */
  jsonScalar?: string;
}

/**
 * The codes of Node's zlib when a compressed body is not what its content-encoding says (zlib's
 * `Z_DATA_ERROR`, `Z_BUF_ERROR` for one cut short, brotli's `ERR__ERROR_FORMAT_…`).
 */
const DECOMPRESSION_FAILED = /^(Z_|ERR__ERROR_)/;

/**
 * The body parser's error (an http-errors error with a `type`), or undefined for any other. A body
 * that does not decompress comes as zlib's error with a status and no `type`: `encoding.corrupt`.
 */
export function bodyErrorOf(error: unknown): BodyError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as {
    status?: unknown;
    type?: unknown;
    message?: unknown;
    limit?: unknown;
    code?: unknown;
    body?: unknown;
  };
  if (typeof e.status !== 'number' || e.status < 400 || e.status > 499) return undefined;
  const type =
    typeof e.type === 'string'
      ? e.type
      : typeof e.code === 'string' && DECOMPRESSION_FAILED.test(e.code)
        ? 'encoding.corrupt'
        : undefined;
  if (!type) return undefined;
  let message = typeof e.message === 'string' ? e.message : type;
  // zlib's words ("incorrect header check") say little, and a zlib error from another realm (a
  // test's) reaches the parser's http-errors as a plain object, its message "Bad Request".
  if (type === 'encoding.corrupt')
    message =
      e.code === 'Z_BUF_ERROR'
        ? 'the compressed body is cut short'
        : 'the body is not compressed as its content-encoding says';
  const jsonScalar = type === 'entity.parse.failed' ? jsonScalarOf(e.body) : undefined;
  return {
    status: e.status,
    type,
    message,
    ...(typeof e.limit === 'number' ? { limit: e.limit } : {}),
    ...(jsonScalar ? { jsonScalar } : {}),
  };
}

/** The charset a content type names when it is a Unicode one other than UTF-8 (utf-16, utf-32…). */
export function otherUnicodeCharset(contentType: string | undefined): string | undefined {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  return charset && charset.startsWith('utf') && charset !== 'utf-8' && charset !== 'utf8'
    ? charset
    : undefined;
}

/**
 * What Node's HTTP server says of a request it cannot parse (a request line and headers over its
 * 16 KiB, a malformed request line): 431 or 400, as `badBody` answers a body, where Node writes a
 * bare status line with no body (a GraphQL client then has no JSON to read).
 */
export function unreadableRequest(code: string | undefined, requestTimeoutMs: number): BodyError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return {
      status: 408,
      type: 'request.timeout',
      message: `the request was not received whole within ${requestTimeoutMs / 1000} s: send its headers and body at once`,
    };
  if (code === 'HPE_HEADER_OVERFLOW')
    return {
      status: 431,
      type: 'headers.too.large',
      message: 'the request line and headers are over 16 KiB',
    };
  return {
    status: 400,
    type: 'request.unreadable',
    message: 'the request is not HTTP/1.1 this server can read',
  };
}

function answerUnreadableRequests(
  app: INestApplication,
  badBody: (error: BodyError) => unknown,
  requestTimeoutMs: number,
): void {
  const server = app.getHttpServer() as Server;
  // Replaces Node's own handler, which answers the same statuses without a body.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const bad = unreadableRequest(error.code, requestTimeoutMs);
    const body = JSON.stringify(badBody(bad));
    socket.end(
      `HTTP/1.1 ${bad.status} ${STATUS_CODES[bad.status] ?? 'Bad Request'}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

/**
 * Express on a Node HTTP server that gives a request `requestTimeoutMs` to arrive, headers and
 * body (its headers no more than Node's 60 s), and checks its connections against it often enough
 * that a slow one is closed within a quarter of the timeout past it, not Node's 30 s. Nest's own
 * adapter creates the server with Node's defaults and no way to pass them.
 */
class DeadlineExpressAdapter extends ExpressAdapter {
  constructor(private readonly requestTimeoutMs: number) {
    super();
  }

  override initHttpServer(): void {
    this.httpServer = createServer(
      {
        requestTimeout: this.requestTimeoutMs,
        headersTimeout: Math.min(60_000, this.requestTimeoutMs),
        connectionsCheckingInterval: Math.min(5_000, Math.ceil(this.requestTimeoutMs / 4)),
      },
      this.getInstance(),
    );
  }
}

export interface ServiceApp<C extends BaseConfig = BaseConfig> {
  app: INestApplication;
  config: C;
  /** Where the HTTP server listens, e.g. http://127.0.0.1:4101 */
  url: string;
}

/**
 * Validates configuration (throws ConfigError), builds the Nest application with structured logs
 * and shutdown hooks, and starts listening; resolves once the service is ready (its consumers
 * have joined their groups: Readiness), and rejects, the application closed, when one of them
 * could not start. It listens before they join, so that `/health/live` answers while they do
 * (readiness answers 503 saying what it waits for). Used by `main.ts` of every service and by tests.
 */
export async function startService<S extends ConfigSchema>(
  definition: ServiceDefinition<S>,
  env: Record<string, string | undefined> = process.env,
  options: { shutdownHooks?: boolean } = {},
): Promise<ServiceApp<z.infer<S>>> {
  const config = loadConfig<z.infer<S>>(definition.configSchema ?? baseConfigSchema, env);
  // Before anything else runs: spans exported when an OTLP endpoint is set, trace context carried always.
  initTracing(definition.name, env);
  const app = await NestFactory.create<NestExpressApplication>(
    definition.module(config),
    new DeadlineExpressAdapter(config.HTTP_REQUEST_TIMEOUT_MS),
    {
      bufferLogs: true,
      abortOnError: false,
      ...(definition.maxBodyBytes ? { bodyParser: false } : {}),
    },
  );
  // First, so that every answer (a refused body's too) carries it, and a preflight is answered here.
  const cors = definition.cors?.(config);
  if (cors) app.enableCors(cors);
  if (definition.maxBodyBytes) {
    // JSON is UTF-8 (RFC 8259), but the body parser decodes whatever utf-* charset a request names:
    // a body sent as `charset=utf-16` by mistake was read as UTF-16, and its parse error quoted the
    // caller's bytes back as CJK characters. Refused as the parser refuses latin1.
    app.use((req: IncomingMessage, _res: ServerResponse, next: (error?: unknown) => void) => {
      const charset = otherUnicodeCharset(req.headers['content-type']);
      if (!charset) return next();
      next(
        Object.assign(new Error(`unsupported charset "${charset.toUpperCase()}"`), {
          status: 415,
          type: 'charset.unsupported',
        }),
      );
    });
    app.useBodyParser('json', { limit: definition.maxBodyBytes });
    app.useBodyParser('urlencoded', { limit: definition.maxBodyBytes, extended: true });
    const badBody = definition.badBody;
    if (badBody)
      // An Express error handler (four parameters), after the parsers whose errors it answers.
      app.use(
        (error: unknown, _req: IncomingMessage, res: ServerResponse, next: (error: unknown) => void) => {
          const bad = bodyErrorOf(error);
          if (!bad) return next(error);
          res.statusCode = bad.status;
          res.setHeader('content-type', 'application/json; charset=utf-8');
          res.end(JSON.stringify(badBody(bad)));
        },
      );
  }
  app.useLogger(app.get(Logger));
  app.flushLogs();
  // process.exit(0) once closed, rather than re-raising the signal: pino writes asynchronously and
  // flushes on 'exit', so the last log lines of a shutdown are not lost.
  if (options.shutdownHooks !== false)
    app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  if (definition.maxBodyBytes && definition.badBody)
    answerUnreadableRequests(app, definition.badBody, config.HTTP_REQUEST_TIMEOUT_MS);
  // listen() runs the modules' start hooks, which do not wait for their consumers' joins.
  const since = Date.now();
  await app.listen(config.PORT, config.HOST);
  const url = `http://${config.HOST}:${config.PORT}`;
  const logger = app.get(Logger);
  logger.log({
    msg: `${definition.name} listening`,
    url,
    health: `${url}/health`,
    metrics: `${url}/metrics`,
  });
  const readiness = app.get(Readiness);
  try {
    await readiness.started();
  } catch (error) {
    // Its consumers leave and the server closes, within the shutdown's bound (runService then exits).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      app.close().catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, config.SHUTDOWN_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timer));
    throw error;
  }
  // Not when a shutdown (SIGTERM while it joined) cut the start short.
  if (!readiness.notReady()) logger.log({ msg: `${definition.name} ready`, ms: Date.now() - since });
  return { app, config, url };
}

/**
 * The process entry point of a service: a configuration problem prints one line naming the
 * variable and exits 2; any other start-up failure prints one line and exits 1. On SIGTERM the
 * application closes (consumers leave their groups, producers flush) within SHUTDOWN_TIMEOUT_MS.
 */
export async function runService<S extends ConfigSchema>(definition: ServiceDefinition<S>): Promise<void> {
  let forcedExitMs = 10_000;
  const forceExit = (signal: NodeJS.Signals) => {
    // Nest closes the app on the signal; this only bounds how long that may take.
    setTimeout(() => {
      process.stderr.write(
        `${definition.name}: shutdown after ${signal} took over ${forcedExitMs} ms, exiting\n`,
      );
      process.exit(1);
    }, forcedExitMs).unref();
  };
  process.once('SIGTERM', forceExit);
  process.once('SIGINT', forceExit);
  try {
    const { config } = await startService(definition);
    forcedExitMs = config.SHUTDOWN_TIMEOUT_MS;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.name}: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${definition.name}: failed to start: ${message}\n`);
    process.exit(1);
  }
}
