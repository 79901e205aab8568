import { EventSourcedService, HEADERS, MessageRegistry, topic } from '@gpux/contracts';
import { Consumer, Kafka, KafkaMessage, Message, Partitioners, Producer } from 'kafkajs';
import { Logger } from '@nestjs/common';
import { Span, SpanStatusCode } from '@opentelemetry/api';
import { withinBatchLimit } from './record-batches';
import { retriedByKafkajs } from './consumer-errors';
import { consumerTiming } from './consumer-timing';
import { ConsumerDown, ConsumerRevival, ConsumerRevivalOptions } from './consumer-revival';
import { ProcessManager } from '../domain/process-manager';
import { fromKafka, toKafka, TRANSACTION_RETRY, whileConcurrent } from './codec';
import { DEAD_LETTER_HEADERS, deadLetter } from './dead-letter';
import { emittedCommands, reactedInline } from './reactions';
import { EventSourcingMetrics, NO_METRICS } from '../metrics/metrics';

/**
 * How often, at most, the offset of batches that emit nothing is committed per partition. Each is a
 * request to the broker; since the writers react inline, nearly every batch emits nothing.
 */
const IDLE_COMMIT_MS = 1_000;

export interface ProcessManagerRunnerOptions {
  kafka: Kafka;
  manager: ProcessManager;
  registry: MessageRegistry;
  /** Whose events it reads, and into whose commands topic it writes. */
  from: EventSourcedService;
  to: EventSourcedService;
  namespace?: string;
  sessionTimeoutMs?: number;
  /** Where transactions and dead letters are counted (nothing is, without). */
  metrics?: EventSourcingMetrics;
  /** The pauses before a consumer kafkajs stopped for good is replaced (ConsumerRevival: 1 s doubling to 30 s). */
  revival?: Pick<ConsumerRevivalOptions, 'initialDelayMs' | 'maxDelayMs'>;
}

/**
 * Runs a process manager in the same exactly-once loop as the command processor: per input
 * partition p one transactional producer (`<manager>-<events topic>-<p>`) writes the emitted
 * commands and the consumer offset in one transaction. An event it cannot read goes to the target
 * service's dead-letter topic with the reason, and the partition goes on.
 */
export class ProcessManagerRunner {
  private readonly logger: Logger;
  private readonly producers = new Map<number, Producer>();
  private consumer: Consumer | undefined;
  /** When each partition's offset was last committed without a transaction (Date.now()). */
  private readonly idleCommittedAt = new Map<number, number>();
  /** Partitions no longer read: their writer reacts inline (passBy). */
  private readonly passed = new Set<number>();
  readonly input: string;
  readonly output: string;
  readonly deadLetter: string;
  readonly groupId: string;
  /** Replaces a consumer kafkajs stopped for good (consumer-revival.ts). */
  private readonly revival: ConsumerRevival;

  constructor(private readonly options: ProcessManagerRunnerOptions) {
    const ns = options.namespace ?? '';
    this.input = topic(options.from, 'events', ns).name;
    this.output = topic(options.to, 'commands', ns).name;
    this.deadLetter = topic(options.to, 'dead-letter', ns).name;
    this.groupId = `${ns ? `${ns}.` : ''}pm.${options.manager.name}`;
    this.logger = new Logger(`pm ${options.manager.name}`);
    this.revival = new ConsumerRevival({
      what: `pm ${options.manager.name}`,
      logger: this.logger,
      start: async () => {
        await this.consumer?.disconnect().catch(() => undefined);
        await this.startConsumer();
      },
      ...options.revival,
    });
  }

  /** Null while its consumer runs; why it is down while kafkajs has stopped it for good. */
  consumerDown(): ConsumerDown | null {
    return this.revival.down();
  }

  /** Resolves once its consumer has joined its group since start() (ConsumerRevival.untilJoined). */
  untilJoined(): Promise<void> {
    return this.revival.untilJoined();
  }

  private async producerFor(partition: number): Promise<Producer> {
    let producer = this.producers.get(partition);
    if (producer) return producer;
    producer = this.options.kafka.producer({
      transactionalId: `${this.options.manager.name}-${this.input}-${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: TRANSACTION_RETRY,
    });
    await producer.connect();
    this.producers.set(partition, producer);
    return producer;
  }

  /**
   * The commands for a batch of events, and the events that could not be read. An event whose
   * writer already wrote this manager's commands with it (reactedInline) is passed by.
   */
  private react(
    messages: KafkaMessage[],
    partition: number,
  ): { commands: Message[]; dead: Message[]; spans: Span[] } {
    const commands: Message[] = [];
    const dead: Message[] = [];
    const spans: Span[] = [];
    for (const message of messages) {
      const type = message.headers?.[HEADERS.type]?.toString() ?? '';
      if (type.endsWith('.PartitionClaimed')) continue;
      if (reactedInline(message, this.options.manager.name)) continue;
      try {
        const event = this.options.registry.decode(fromKafka(message));
        const { commands: emitted, span } = emittedCommands(
          this.options.manager,
          this.options.registry,
          event,
        );
        if (span) spans.push(span);
        for (const wire of emitted) commands.push(toKafka(wire));
      } catch (error) {
        dead.push(
          deadLetter(
            message,
            { topic: this.input, partition },
            error instanceof Error ? error.message : String(error),
          ),
        );
      }
    }
    return { commands, dead, spans };
  }

  async start(): Promise<void> {
    this.revival.resume();
    await this.startConsumer();
  }

  private async startConsumer(): Promise<void> {
    const consumer = this.options.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      ...consumerTiming(this.options.sessionTimeoutMs),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => this.revival.crashed(payload));
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.revival.joined();
      const mine = new Set(payload.memberAssignment[this.input] ?? []);
      for (const [p, producer] of this.producers)
        if (!mine.has(p)) void producer.disconnect().finally(() => this.producers.delete(p));
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.input, fromBeginning: true });
    await consumer.run({
      // Each partition has its own transactional producer: they can all move at once.
      partitionsConsumedConcurrently: topic(this.options.from, 'events').partitions,
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const producer = await this.producerFor(batch.partition);
        const { commands, dead, spans } = this.react(batch.messages, batch.partition);
        const last = batch.messages[batch.messages.length - 1]!.offset;
        const next = (BigInt(last) + 1n).toString();
        // An event its writer reacted to inline: the writers of this partition now do this
        // manager's work, and everything after it is theirs too (see passBy).
        const caughtUp = batch.messages.some((m) => reactedInline(m, this.options.manager.name));
        if (commands.length === 0 && dead.length === 0) {
          // Nothing to write (most events mean nothing to a given manager, and those its writer
          // reacted to inline are passed by): no output to keep atomic with the offset, so no
          // transaction, and the offset is committed at most once per IDLE_COMMIT_MS per
          // partition. A crash before that commit only reads the same nothing again.
          resolveOffset(last);
          const now = Date.now();
          if (caughtUp || now - (this.idleCommittedAt.get(batch.partition) ?? 0) >= IDLE_COMMIT_MS) {
            this.idleCommittedAt.set(batch.partition, now);
            await consumer.commitOffsets([{ topic: this.input, partition: batch.partition, offset: next }]);
          }
          if (caughtUp) this.passBy(consumer, batch.partition);
          return;
        }
        const metrics = this.options.metrics ?? NO_METRICS;
        const txn = await producer.transaction();
        try {
          const topicMessages = [];
          if (commands.length) topicMessages.push({ topic: this.output, messages: commands });
          if (dead.length) topicMessages.push({ topic: this.deadLetter, messages: dead });
          // Several requests when a backlog's commands outgrow what the broker takes in one.
          for (const send of withinBatchLimit(topicMessages)) await txn.sendBatch({ topicMessages: send });
          await whileConcurrent(
            () =>
              txn.sendOffsets({
                consumerGroupId: this.groupId,
                topics: [{ topic: this.input, partitions: [{ partition: batch.partition, offset: next }] }],
              }),
            () => metrics.transactionRetried('process_manager'),
          );
          await txn.commit();
        } catch (error) {
          await txn.abort().catch(() => undefined);
          metrics.transactionAborted('process_manager');
          for (const span of spans) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: 'transaction aborted' });
            span.end();
          }
          this.producers.delete(batch.partition);
          await producer.disconnect().catch(() => undefined);
          this.logger.error({
            msg: 'transaction failed; the batch will be read again',
            partition: batch.partition,
            error: String(error),
          });
          throw retriedByKafkajs(error);
        }
        metrics.transactionCommitted('process_manager');
        for (const span of spans) span.end();
        for (let i = 0; i < dead.length; i++) metrics.deadLettered(this.deadLetter, 'unreadable_event');
        for (const letter of dead) this.logger.warn(this.deadLine(letter));
        resolveOffset(last);
        if (caughtUp) this.passBy(consumer, batch.partition);
      },
    });
  }

  /** The warning an operator reads for one event dead-lettered: where it is, why, and how to read it. */
  private deadLine(letter: Message): Record<string, unknown> {
    const h = (letter.headers ?? {}) as Record<string, unknown>;
    const text = (name: string) => {
      const v = h[name];
      return Buffer.isBuffer(v) ? v.toString() : typeof v === 'string' ? v : undefined;
    };
    return {
      msg: 'event dead-lettered: this process manager cannot read it, and reacts to the next',
      reason: 'unreadable_event',
      error: text(DEAD_LETTER_HEADERS.reason),
      deadLetter: `${text(DEAD_LETTER_HEADERS.topic)}:${text(DEAD_LETTER_HEADERS.partition)}:${text(DEAD_LETTER_HEADERS.offset)}`,
      todo: `read it with: node infra/scripts/dead-letters.js ${this.options.to} (docs/operations.md, "Dead letters")`,
    };
  }

  /** The partitions this runner stopped reading: their writers react inline (passBy). */
  get passedBy(): number[] {
    return [...this.passed].sort((a, b) => a - b);
  }

  /**
   * Stops reading a partition once its writer reacts inline: the events of an older log (written
   * before inline reactions) all come before the first one so marked, since a partition has one
   * writer at a time and every writer of this version reacts inline. The offset past it is
   * committed, so a restart reads one batch and stops again. (A rolling upgrade that lets a writer
   * of a version before inline reactions take a partition back after this would be missed: upgrade
   * a service's instances all at once, as `npm start` and the compose file do.)
   */
  private passBy(consumer: Consumer, partition: number): void {
    consumer.pause([{ topic: this.input, partitions: [partition] }]);
    if (this.passed.has(partition)) return;
    this.passed.add(partition);
    this.logger.log({
      msg: 'its writer reacts inline from here on: this partition is no longer read',
      partition,
    });
  }

  async stop(): Promise<void> {
    this.revival.stop();
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
    await Promise.all([...this.producers.values()].map((p) => p.disconnect().catch(() => undefined)));
    this.producers.clear();
  }
}
