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
import { Envelope, EventSourcedService, MessageRegistry, topic, topicsOf } from '@gpux/contracts';
import { HealthChecks, KafkaClients, Readiness, RedisClient, ServiceMetrics } from '@gpux/platform';
import { CommandProcessor } from '../kafka/command-processor';
import { CommandSender } from '../kafka/command-sender';
import { ProcessManagerRunner } from '../kafka/process-manager-runner';
import type { ProcessManager } from '../domain/process-manager';
import { DeciderRegistration, ServiceTopics } from '../kafka/worker-context';
import { provisionTopics } from '../kafka/provisioning';
import { eventSourcingMetrics } from './metrics';
import { COMMAND_DEAD_LETTER_REASONS } from '../metrics/metrics';

export interface EventSourcingOptions {
  service: EventSourcedService;
  registry: MessageRegistry;
  deciders: DeciderRegistration[];
  /** TOPIC_NAMESPACE: every topic name is prefixed with it (tests, benchmarks). */
  namespace: string;
  snapshotEveryEvents: number;
  snapshotEveryMs: number;
  sessionTimeoutMs: number;
  maxCommandsPerTransaction: number;
  /** Group commit's linger for the command processor's fetches, in ms (0: none). */
  commandLingerMs?: number;
  /** How long, and how many, idempotency keys a partition remembers. */
  idempotencyWindowMs?: number;
  idempotencyMaxKeys?: number;
  /**
   * Process managers this service runs: events in, commands out. One of the service's own events
   * (`from` is the service) runs inside its partition workers: its commands are written in the
   * transaction that writes the event. Its runner still reads the events, for those written
   * before (an upgrade from a log without inline reactions), and passes the others by.
   */
  processManagers?: Array<{
    manager: ProcessManager;
    from: EventSourcedService;
    to: EventSourcedService;
    registry: MessageRegistry;
  }>;
  /**
   * The service's own figures from the events its partition workers commit (e.g. verdicts by
   * reason): given the service's metrics, returns what is called with each committed batch's
   * outcome events. In-process and cheap: it runs on the command path.
   */
  observeEvents?: (metrics: ServiceMetrics) => (events: readonly Envelope[]) => void;
}

const OPTIONS = Symbol('EVENT_SOURCING_OPTIONS');

/**
 * The Kafka edge of an event-sourced service: provisions its topics at start (refusing to start
 * when one disagrees with the registry), runs its command processor, and offers a CommandSender
 * to the service's in-process command handlers.
 */
@Injectable()
export class EventSourcingHost implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly processor: CommandProcessor;
  readonly sender: CommandSender;
  private readonly managers: ProcessManagerRunner[];
  private readonly logger: Logger;

  constructor(
    @Inject(OPTIONS) private readonly options: EventSourcingOptions,
    private readonly kafka: KafkaClients,
    redis: RedisClient,
    serviceMetrics: ServiceMetrics,
    health: HealthChecks,
    private readonly readiness: Readiness,
  ) {
    this.logger = new Logger(`${options.service}.eventsourcing`);
    const deadLetter = (s: EventSourcedService) => topic(s, 'dead-letter', options.namespace).name;
    const metrics = eventSourcingMetrics(serviceMetrics, options.observeEvents?.(serviceMetrics), [
      { topic: deadLetter(options.service), reasons: COMMAND_DEAD_LETTER_REASONS },
      ...[...new Set((options.processManagers ?? []).map((pm) => pm.to))].map((to) => ({
        topic: deadLetter(to),
        reasons: ['unreadable_event'] as const,
      })),
    ]);
    this.processor = new CommandProcessor({
      kafka: kafka.kafka,
      service: options.service,
      registry: options.registry,
      deciders: options.deciders,
      namespace: options.namespace,
      snapshotEveryEvents: options.snapshotEveryEvents,
      snapshotEveryMs: options.snapshotEveryMs,
      sessionTimeoutMs: options.sessionTimeoutMs,
      maxCommandsPerTransaction: options.maxCommandsPerTransaction,
      ...(options.commandLingerMs !== undefined ? { commandLingerMs: options.commandLingerMs } : {}),
      ...(options.idempotencyWindowMs !== undefined
        ? { idempotencyWindowMs: options.idempotencyWindowMs }
        : {}),
      ...(options.idempotencyMaxKeys !== undefined ? { idempotencyMaxKeys: options.idempotencyMaxKeys } : {}),
      metrics,
      reactions: (options.processManagers ?? [])
        .filter((pm) => pm.from === options.service)
        .map((pm) => ({
          manager: pm.manager,
          registry: pm.registry,
          topic: topic(pm.to, 'commands', options.namespace).name,
        })),
    });
    this.managers = (options.processManagers ?? []).map(
      (pm) =>
        new ProcessManagerRunner({
          kafka: kafka.kafka,
          ...pm,
          namespace: options.namespace,
          sessionTimeoutMs: options.sessionTimeoutMs,
          metrics,
        }),
    );
    // Down while the service cannot decide its commands (it stays up meanwhile, and its callers
    // wait): the consumer stopped, or a partition failing in a row (trouble()); and while a
    // process manager's consumer is down (kafkajs stopped it for good: a new one starts after a pause).
    const { processor, managers } = this;
    health.register('commands', async (indicators) => {
      const check = indicators.check('commands');
      const trouble = processor.trouble();
      if (trouble) return check.down({ ...trouble });
      for (const manager of managers) {
        const down = manager.consumerDown();
        if (down)
          return check.down({
            message: `process manager ${manager.groupId}'s consumer is down (kafkajs stopped it for good, ${down.attempts} times in a row; a new one starts after a pause): ${down.error}`,
            consumerDown: { ...down, since: new Date(down.since).toISOString() },
          });
      }
      return check.up();
    });
    this.sender = new CommandSender(kafka.kafka, redis.redis, options.registry, {
      service: options.service,
      source: options.service,
      namespace: options.namespace,
      ...(options.idempotencyWindowMs !== undefined
        ? { idempotencyWindowMs: options.idempotencyWindowMs }
        : {}),
    });
  }

  get topics(): ServiceTopics {
    return this.processor.topics;
  }

  async onModuleInit(): Promise<void> {
    // Its own topics, and those its process managers read from and write to (whoever starts
    // first creates them; the registry says what they must be).
    const services = new Set([
      this.options.service,
      ...(this.options.processManagers ?? []).flatMap((pm) => [pm.from, pm.to]),
    ]);
    const { created, lengthened } = await provisionTopics(
      await this.kafka.admin(),
      [...services].flatMap((s) => topicsOf(s, this.options.namespace)),
    );
    if (created.length) this.logger.log({ msg: 'topics created', topics: created });
    if (lengthened.length)
      this.logger.log({ msg: 'topics keep their records longer, as the registry says', topics: lengthened });
  }

  /**
   * Starts the consumers without waiting for their joins (up to a session timeout after a crash):
   * the service listens meanwhile, unready until they have joined (Readiness).
   */
  onApplicationBootstrap(): void {
    const { processor, readiness } = this;
    readiness.waitFor(
      `consumer group ${processor.groupId}`,
      processor.start().then(() => processor.untilJoined()),
    );
    for (const manager of this.managers)
      readiness.waitFor(
        `consumer group ${manager.groupId}`,
        manager.start().then(() => manager.untilJoined()),
      );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.processor.stop(), this.sender.close(), ...this.managers.map((m) => m.stop())]);
  }
}

@Module({})
export class EventSourcingModule {
  static forService(options: EventSourcingOptions): DynamicModule {
    return {
      module: EventSourcingModule,
      providers: [{ provide: OPTIONS, useValue: options }, EventSourcingHost],
      exports: [EventSourcingHost],
    };
  }
}
