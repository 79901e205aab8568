import {
  BeforeApplicationShutdown,
  DynamicModule,
  Global,
  Injectable,
  Logger,
  Module,
  OnApplicationShutdown,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import { BaseConfig } from './config';
import { requestForLog } from './request-log';
import { DependencyIndicators, HealthChecks, HealthController } from './health';
import { KafkaClients } from './kafka';
import { MetricsController, ServiceMetrics } from './metrics';
import { Readiness } from './readiness';
import { RedisClient, RedisClientOptions } from './redis';
import { shutdownTracing, traceLogFields } from './tracing';

/** Says in the log why the service is stopping; the clients then log what they closed. */
@Injectable()
class ShutdownLog implements BeforeApplicationShutdown {
  beforeApplicationShutdown(signal?: string): void {
    new Logger('Shutdown').log({ msg: 'shutting down', signal: signal ?? 'app.close()' });
  }
}

/** Exports the spans still batched once everything else has closed. */
@Injectable()
class TracingShutdown implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await shutdownTracing();
  }
}

/** Injection token of the service's validated configuration. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');

export interface PlatformOptions {
  /** The service's name: Kafka client id and the `service` field of every log line. */
  service: string;
  config: BaseConfig;
  /** How its Redis connection behaves (redis.ts): the gateway's fails fast while Redis is down. */
  redis?: RedisClientOptions;
}

/**
 * What every service stands on: structured JSON logs (pino), the Kafka and Redis clients with a
 * clean shutdown, `GET /health` (and `/health/ready`, `/health/live`) reporting both, and
 * `GET /metrics` (Prometheus) from the service's ServiceMetrics.
 */
@Global()
@Module({})
export class PlatformModule {
  static forService({ service, config, redis }: PlatformOptions): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: [
            {
              level: config.LOG_LEVEL,
              base: { service, pid: process.pid },
              messageKey: 'msg',
              timestamp: () => `,"time":"${new Date().toISOString()}"`,
              formatters: { level: (label: string) => ({ level: label }) },
              // A line logged inside a span carries its trace_id and span_id (cheap: one lookup).
              mixin: traceLogFields,
              // Health probes arrive every few seconds; they would drown everything else. Above
              // `info` no request line is written: skip building them (a tenth of the gateway's CPU).
              autoLogging: ['trace', 'debug', 'info'].includes(config.LOG_LEVEL)
                ? {
                    ignore: (req) =>
                      req.url === '/metrics' || /^\/health(\/(live|ready))?$/.test(req.url ?? ''),
                  }
                : false,
              // API keys and node credentials never reach a log line: a request's headers are an
              // allowlist (request-log.ts).
              serializers: { req: requestForLog },
            },
            // Synchronous writes: a line logged just before a crash or an exit is never lost.
            // Nothing logs per event on a hot path, so the cost is small.
            pino.destination({ dest: 1, sync: true }),
          ],
        }),
        // Readiness is logged as it changes, not for each probe (readiness-log.ts).
        TerminusModule.forRoot({ logger: false, gracefulShutdownTimeoutMs: 0 }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: ServiceMetrics, useFactory: () => new ServiceMetrics(service) },
        {
          provide: KafkaClients,
          useFactory: () => new KafkaClients({ clientId: service, brokers: config.KAFKA_BROKERS }),
        },
        { provide: RedisClient, useFactory: () => new RedisClient(config.REDIS_URL, redis) },
        DependencyIndicators,
        HealthChecks,
        Readiness,
        ShutdownLog,
        TracingShutdown,
      ],
      exports: [
        SERVICE_CONFIG,
        ServiceMetrics,
        KafkaClients,
        RedisClient,
        DependencyIndicators,
        HealthChecks,
        Readiness,
      ],
    };
  }
}
