import { BeforeApplicationShutdown, DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { EventSourcedService, MessageRegistry, topicsOf } from '@gpux/contracts';
import { KafkaClients, RedisClient } from '@gpux/platform';
import { CommandProcessor } from '../kafka/command-processor';
import { CommandSender } from '../kafka/command-sender';
import { DeciderRegistration, ServiceTopics } from '../kafka/partition-worker';
import { provisionTopics } from '../kafka/provisioning';

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
  private readonly logger: Logger;

  constructor(
    @Inject(OPTIONS) private readonly options: EventSourcingOptions,
    private readonly kafka: KafkaClients,
    redis: RedisClient,
  ) {
    this.logger = new Logger(`${options.service}.eventsourcing`);
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
    });
    this.sender = new CommandSender(kafka.kafka, redis.redis, options.registry, {
      service: options.service,
      source: options.service,
      namespace: options.namespace,
    });
  }

  get topics(): ServiceTopics {
    return this.processor.topics;
  }

  async onModuleInit(): Promise<void> {
    const { created } = await provisionTopics(await this.kafka.admin(), topicsOf(this.options.service, this.options.namespace));
    if (created.length) this.logger.log({ msg: 'topics created', topics: created });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.processor.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.processor.stop(), this.sender.close()]);
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
