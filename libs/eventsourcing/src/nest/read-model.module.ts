import {
  BeforeApplicationShutdown,
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnModuleInit,
} from '@nestjs/common';
import type { MessageRegistry, TopicSpec } from '@gpux/contracts';
import {
  HealthChecks,
  KafkaClients,
  Readiness,
  RedisClient,
  SERVICE_CONFIG,
  ServiceMetrics,
} from '@gpux/platform';
import { combineProjections, LogPosition, Projection } from '../domain';
import { ProjectionRunner } from '../redis/runner';
import { RedisNotices } from '../redis/notices';
import { waitForPosition } from '../redis/position';
import { DEFAULT_IDEMPOTENCY_WINDOW_MS } from '../kafka/command-processor';
import { provisionTopics } from '../kafka/provisioning';
import { projectionMetrics, projectionRunnerMetrics } from './metrics';

export interface ReadModelOptions {
  /** The read model's name: its checkpoints are what read-your-writes waits on. */
  name: string;
  /** Every key of every projection starts with it. */
  prefix: string;
  /** Decodes the topics the projections read. */
  registry: MessageRegistry;
  /**
   * The projections folded together, given the topic namespace and the service's idempotency
   * window (how long a command's outcome is kept: outcomesProjection).
   */
  projections: (namespace: string, settings: { idempotencyWindowMs: number }) => Projection[];
  /**
   * Topics it reads that another service owns and that may not exist yet when this one starts
   * first: whoever starts first creates them (the registry says what they must be).
   */
  provision?: (namespace: string) => TopicSpec[];
}

const OPTIONS = Symbol('READ_MODEL_OPTIONS');
const READ_YOUR_WRITES_TIMEOUT_MS = 10_000;

/**
 * A service's read side (docs/architecture.md §4): its projections folded as one into Redis by one runner
 * (one read and decode of the log, one atomic write per batch with its checkpoint), started and
 * stopped with the service, with its lag (and any partition stopped on a poison batch) in /health.
 */
@Injectable()
export class ReadModel implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly name: string;
  private readonly runner: ProjectionRunner;
  private readonly groupId: string;
  private readonly provision: TopicSpec[];
  private readonly unregisterMetrics: () => void;
  /** The runner's announcements, which read-your-writes waits on (a connection from the first wait). */
  private readonly notices: RedisNotices;

  constructor(
    @Inject(OPTIONS) options: ReadModelOptions,
    private readonly kafka: KafkaClients,
    private readonly redis: RedisClient,
    @Inject(SERVICE_CONFIG)
    config: {
      TOPIC_NAMESPACE: string;
      KAFKA_SESSION_TIMEOUT_MS: number;
      IDEMPOTENCY_WINDOW_MS?: number;
      /** Group commit under load (ProjectionBatchOptions.lingerMs); 0 without. */
      READ_MODEL_LINGER_MS?: number;
    },
    health: HealthChecks,
    metrics: ServiceMetrics,
    private readonly readiness: Readiness,
  ) {
    this.name = options.name;
    this.notices = new RedisNotices(redis.redis);
    this.provision = options.provision?.(config.TOPIC_NAMESPACE) ?? [];
    const projection = combineProjections(
      options.name,
      options.prefix,
      options.projections(config.TOPIC_NAMESPACE, {
        idempotencyWindowMs: config.IDEMPOTENCY_WINDOW_MS ?? DEFAULT_IDEMPOTENCY_WINDOW_MS,
      }),
    );
    const ns = config.TOPIC_NAMESPACE ? `${config.TOPIC_NAMESPACE}.` : '';
    this.groupId = `${ns}proj-${projection.name}`;
    this.runner = new ProjectionRunner({
      kafka,
      redis: redis.redis,
      projection,
      registry: options.registry,
      groupId: this.groupId,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      batch: { lingerMs: config.READ_MODEL_LINGER_MS ?? 0 },
      logger: new Logger(`projection ${projection.name}`),
      metrics: projectionRunnerMetrics(metrics),
    });
    this.unregisterMetrics = projectionMetrics(metrics, this.runner);
    // Up while the lag can be measured; how far behind, summed over partitions, and since when it
    // refolds from offset 0 where it does. Down, naming the
    // partition, offset and error, while a partition is stopped on a poison batch, and while the
    // consumer is down (kafkajs stopped it for good; a new one is started after a pause).
    health.register(options.name, async (indicators) => {
      const check = indicators.check(options.name);
      const down = this.runner.consumerDown();
      if (down)
        return check.down({
          message: `projection ${options.name}'s consumer is down for ${Math.round((Date.now() - down.since) / 1000)} s (kafkajs stopped it for good, ${down.attempts} times in a row; a new one starts after a pause): ${down.error}`,
          consumerDown: { ...down, since: new Date(down.since).toISOString() },
        });
      const stopped = this.runner.stopped();
      if (stopped.length > 0) {
        const [first] = stopped;
        return check.down({
          message: `projection ${first?.projection} stopped on ${first?.topic}:${first?.partition} at offset ${first?.offset}: ${first?.error}`,
          stopped,
        });
      }
      try {
        const partitions = await this.runner.lag();
        // Refolding (Redis flushed): up, as the service runs, but said, with how long, since the
        // gateway answers what reads this model UNAVAILABLE until it is whole.
        const since = this.runner.refoldingSince();
        return check.up({
          lag: partitions.reduce((sum, p) => sum + Math.max(0, p.lag), 0),
          partitions: partitions.length,
          ...(since === undefined
            ? {}
            : { refolding: { since: new Date(since).toISOString(), ms: Date.now() - since } }),
        });
      } catch (error) {
        return check.down({ message: error instanceof Error ? error.message : String(error) });
      }
    });
  }

  async onModuleInit(): Promise<void> {
    if (this.provision.length === 0) return;
    const { created } = await provisionTopics(await this.kafka.admin(), this.provision);
    if (created.length) new Logger(this.name).log({ msg: 'topics created', topics: created });
  }

  /** Starts folding without waiting for its consumer's join: the service listens meanwhile (Readiness). */
  onApplicationBootstrap(): void {
    const { runner } = this;
    this.readiness.waitFor(
      `consumer group ${this.groupId}`,
      runner.start().then(() => runner.untilJoined()),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.unregisterMetrics();
    await this.notices.close();
    return this.runner.stop();
  }

  /** Read-your-writes: resolves once the read model has applied the event at `position`. */
  waitFor(position: LogPosition, timeoutMs = READ_YOUR_WRITES_TIMEOUT_MS): Promise<void> {
    return waitForPosition(this.redis.redis, this.name, position, timeoutMs, this.notices);
  }

  lag() {
    return this.runner.lag();
  }

  /**
   * Refolds the read model from offset zero into a new generation while queries keep reading the
   * current one, then switches atomically (partitions stopped on poison start again).
   */
  rebuild(): Promise<void> {
    return this.runner.rebuild();
  }
}

@Module({})
export class ReadModelModule {
  static forService(options: ReadModelOptions): DynamicModule {
    return {
      module: ReadModelModule,
      providers: [{ provide: OPTIONS, useValue: options }, ReadModel],
      exports: [ReadModel],
    };
  }
}
