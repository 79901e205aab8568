import { Controller, Get, Injectable } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { KafkaClients } from './kafka';
import { RedisClient } from './redis';

const CHECK_TIMEOUT_MS = 1_500;

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

/** `GET /health`: 200 when Kafka and Redis both answer, 503 naming the one that does not. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly deps: DependencyIndicators,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.deps.kafkaUp(), () => this.deps.redisUp()]);
  }
}
