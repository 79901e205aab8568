import { Controller, Get, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { healthGaugeStates } from './health-metric';
import { KafkaClients } from './kafka';
import { readForScrape, ServiceMetrics } from './metrics';
import { Readiness } from './readiness';
import { ReadinessLog } from './readiness-log';
import { RedisClient } from './redis';

const CHECK_TIMEOUT_MS = 1_500;
/** The checks of every service's `/health`, before its own (HealthChecks). */
const BASE_CHECKS = ['startup', 'kafka', 'redis'] as const;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

@Injectable()
export class DependencyIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly kafka: KafkaClients,
    private readonly redis: RedisClient,
  ) {}

  async kafkaUp() {
    const check = this.indicators.check('kafka');
    try {
      const cluster = await withTimeout(
        this.kafka.admin().then((admin) => admin.describeCluster()),
        CHECK_TIMEOUT_MS,
        'Kafka',
      );
      return check.up({ brokers: cluster.brokers.length, controller: cluster.controller });
    } catch (error) {
      return check.down({ message: reason(error) });
    }
  }

  async redisUp() {
    const check = this.indicators.check('redis');
    const client = this.redis.redis;
    if (client.status !== 'ready') return check.down({ message: `connection is ${client.status}` });
    try {
      await withTimeout(client.ping(), CHECK_TIMEOUT_MS, 'Redis');
      return check.up();
    } catch (error) {
      return check.down({ message: reason(error) });
    }
  }
}

/**
 * What a service adds to its health report (e.g. a read model's lag). A check reports through the
 * HealthIndicatorService it is given; down makes `/health` answer 503.
 */
@Injectable()
export class HealthChecks {
  private readonly checks = new Map<
    string,
    (indicators: HealthIndicatorService) => Promise<HealthIndicatorResult>
  >();

  register(
    name: string,
    check: (indicators: HealthIndicatorService) => Promise<HealthIndicatorResult>,
  ): void {
    this.checks.set(name, check);
  }

  /** The names of the checks registered (each one's key in `/health`). */
  names(): string[] {
    return [...this.checks.keys()];
  }

  /**
   * Each check, bounded as the Kafka and Redis checks are: one that does not answer within
   * CHECK_TIMEOUT_MS is down, saying so. Unbounded, a read model's lag (a Redis read) kept
   * `/health` waiting as long as Redis stalled (25 s for a 25 s stall) instead of answering 503.
   */
  all(): ((indicators: HealthIndicatorService) => Promise<HealthIndicatorResult>)[] {
    return [...this.checks].map(
      ([name, check]) =>
        (indicators: HealthIndicatorService) =>
          withTimeout(check(indicators), CHECK_TIMEOUT_MS, `the ${name} check`).catch((error: unknown) =>
            indicators.check(name).down({ message: reason(error) }),
          ),
    );
  }
}

/**
 * `GET /health` and `GET /health/ready`: 200 when Kafka, Redis and the service's own checks are up,
 * 503 naming what is not (ready: it can serve; a Kafka or Redis outage makes it unready), and
 * `startup` down while its consumers have not joined their groups yet, or once it is stopping
 * (readiness.ts). `GET /health/live`: 200 whenever the process answers at all, from before its
 * consumers join, whatever its dependencies do: an orchestrator restarts a dead process, never an
 * unready one (docs/operations.md).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly deps: DependencyIndicators,
    private readonly extra: HealthChecks,
    private readonly indicators: HealthIndicatorService,
    private readonly startupState: Readiness,
    metrics: ServiceMetrics,
  ) {
    // Readiness for Prometheus: each check of /health, 1 up and 0 down, probed as the scrape
    // comes (every check answers within CHECK_TIMEOUT_MS), so an alert sees what /health says
    // (a stopped command partition, a consumer down, Redis or Kafka unreachable) even where
    // nothing probes /health. A probe that fails outright (throws, or does not answer in time)
    // sets every check to 0: a service that cannot say it is ready is not shown up.
    const seen = new Set<string>();
    const gauge = metrics.gauge({
      name: 'gpux_health_check_up',
      help: 'Readiness checks of /health at the scrape: 1 up, 0 down (startup, kafka, redis, a read model, commands...); all 0 when the probe fails or does not answer within 2 s',
      labelNames: ['check'],
      collect: async () => {
        const result = await readForScrape(() => this.probeResult(), CHECK_TIMEOUT_MS + 500);
        const states = healthGaugeStates(result, [...BASE_CHECKS, ...this.extra.names(), ...seen]);
        gauge.reset();
        for (const [check, up] of Object.entries(states)) {
          seen.add(check);
          gauge.set({ check }, up);
        }
      },
    });
  }

  @Get()
  @HealthCheck()
  check() {
    return this.readiness();
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.readiness();
  }

  /** Answered by the event loop alone: no dependency is asked. */
  @Get('live')
  live() {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  /** Readiness as it changes (readiness-log.ts); Terminus' own log is off (platform.module.ts). */
  private readonly changes = new ReadinessLog((level, line) => new Logger('Health')[level](line));

  private async readiness() {
    try {
      const result = await this.probe();
      this.changes.saw(result);
      return result;
    } catch (error) {
      if (error instanceof ServiceUnavailableException)
        this.changes.saw(error.getResponse() as HealthCheckResult);
      throw error;
    }
  }

  /** The probe's result, up or down, without logging it (the scrape's). */
  private async probeResult(): Promise<HealthCheckResult> {
    try {
      return await this.probe();
    } catch (error) {
      if (error instanceof ServiceUnavailableException) return error.getResponse() as HealthCheckResult;
      throw error;
    }
  }

  private probe() {
    return this.health.check([
      () => this.startup(),
      () => this.deps.kafkaUp(),
      () => this.deps.redisUp(),
      ...this.extra.all().map((check) => () => check(this.indicators)),
    ]);
  }

  private startup() {
    const check = this.indicators.check('startup');
    const notReady = this.startupState.notReady();
    return Promise.resolve(notReady ? check.down({ ...notReady }) : check.up());
  }
}
