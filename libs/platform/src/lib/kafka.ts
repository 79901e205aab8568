import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  Admin,
  Consumer,
  ConsumerConfig,
  Kafka,
  logLevel,
  Partitioners,
  Producer,
  ProducerConfig,
} from 'kafkajs';
import { rememberCoordinators } from './kafka-coordinators';
import { kafkaLogCreator } from './kafka-log';

export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
}

/**
 * The service's one Kafka client. Every producer and consumer is created here so that shutdown
 * can leave every group and flush every producer, in that order, before the process exits.
 */
@Injectable()
export class KafkaClients implements OnApplicationShutdown {
  readonly kafka: Kafka;
  private readonly consumers = new Set<Consumer>();
  private readonly producers = new Set<Producer>();
  private adminClient: Admin | undefined;
  private adminConnecting: Promise<Admin> | undefined;
  private readonly logger = new Logger(KafkaClients.name);

  constructor(options: KafkaClientOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(),
      connectionTimeout: 3_000,
      // Waits between tries double from 0.2 s but never pass 2 s (kafkajs' own cap is 30 s), so a
      // client finds a broker that comes back within about 2 s of its return, not up to 30 s later
      // while /health already answers 200; 28 tries keep the same patience as before (about 55 s
      // before an operation fails, and a consumer restarts).
      retry: { initialRetryTime: 200, maxRetryTime: 2_000, retries: 28 },
    });
    // Four FindCoordinator round trips fewer in every transaction (kafka-coordinators.ts).
    if (!rememberCoordinators(this.kafka))
      this.logger.warn({ msg: 'this kafkajs looks coordinators up before every transactional request' });
  }

  producer(config: ProducerConfig = {}): Producer {
    const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...config });
    this.producers.add(producer);
    producer.on(producer.events.DISCONNECT, () => this.producers.delete(producer));
    return producer;
  }

  consumer(config: ConsumerConfig): Consumer {
    // A fetch returns as soon as data arrives; the wait only bounds an idle long-poll, and so
    // how long leaving the group at shutdown may take (kafkajs waits for the fetch in flight).
    const consumer = this.kafka.consumer({ maxWaitTimeInMs: 500, ...config });
    this.consumers.add(consumer);
    // One kafkajs stopped for good is disconnected already, and its owner makes a new one
    // (consumer-revival.ts): kept here, every such start would be kept until shutdown. (A crash
    // kafkajs restarts by itself reuses the consumer, which stays.)
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.consumers.delete(consumer);
    });
    return consumer;
  }

  /** A connected admin client, shared by health checks and topic provisioning. */
  admin(): Promise<Admin> {
    if (this.adminClient) return Promise.resolve(this.adminClient);
    this.adminConnecting ??= (async () => {
      const admin = this.kafka.admin({ retry: { retries: 0 } });
      try {
        await admin.connect();
      } catch (error) {
        this.adminConnecting = undefined;
        throw error;
      }
      this.adminClient = admin;
      return admin;
    })();
    return this.adminConnecting;
  }

  async onApplicationShutdown(): Promise<void> {
    const consumers = this.consumers.size;
    const producers = this.producers.size;
    // Consumers first: leaving the group hands partitions to another instance at once.
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    // kafkajs' disconnect waits for in-flight requests, so nothing already sent is lost.
    await Promise.allSettled([...this.producers].map((p) => p.disconnect()));
    this.producers.clear();
    this.logger.log({ msg: 'kafka clients closed', consumersLeft: consumers, producersFlushed: producers });
    await this.adminClient?.disconnect().catch(() => undefined);
    this.adminClient = undefined;
    this.adminConnecting = undefined;
  }
}
