import { hostname } from 'node:os';
import { EventSourcedService, HEADERS, MessageRegistry, topic, TRANSACTION_GROUPS } from '@gpux/contracts';
import { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { retriedByKafkajs } from './consumer-errors';
import { ConsumerRevival, ConsumerRevivalOptions } from './consumer-revival';
import { CommandProcessorTrouble, FailingPartition, processorTrouble } from './processor-trouble';
import { consumerTiming } from './consumer-timing';
import { ConsumerLinger } from './consumer-linger';
import { Logger } from '@nestjs/common';
import { PartitionWorker } from './partition-worker';
import { kafkaSnapshotWriter, SnapshotWriter } from './snapshot-writer';
import { TransactionGroup } from './transaction-group';
import {
  groupOf,
  groupTransactionalId,
  partitionsOfGroup,
  partitionTransactionalId,
  transactionGroupAssigner,
} from './transaction-groups';
import { DeciderRegistration, ServiceTopics, WorkerContext } from './worker-context';
import { EventSourcingMetrics, NO_METRICS } from '../metrics/metrics';
import { InlineReaction } from './reactions';

export const DEFAULT_IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_IDEMPOTENCY_MAX_KEYS = 10_000;

export interface CommandProcessorOptions {
  kafka: Kafka;
  service: EventSourcedService;
  registry: MessageRegistry;
  deciders: DeciderRegistration[];
  /** Prefix of every topic name (tests and benchmarks run in their own). */
  namespace?: string;
  /** A snapshot is written after this many events, or this much time with events, per partition. */
  snapshotEveryEvents?: number;
  snapshotEveryMs?: number;
  maxCommandsPerTransaction?: number;
  /**
   * Group commit's linger under load, in ms (domain/fetch-linger.ts): after a partition's batch of
   * COMMAND_LINGER_FROM commands or more, none of them a client's, the next fetch waits until this
   * long after that batch's came back, so the next transaction carries what queued meanwhile; a
   * lone command, or a batch with a client's command, never waits.
   * 0 (the default): no waiting, a transaction takes what queued while the previous one committed.
   */
  commandLingerMs?: number;
  clock?: () => Date;
  rebuildTimeoutMs?: number;
  /**
   * How long an idempotency key is remembered after its outcome (default 24 h). After it the key is
   * forgotten: a request with it is a new request.
   */
  idempotencyWindowMs?: number;
  /** The most keys a partition remembers (default 10 000: a snapshot stays near 1 MB); beyond it the oldest are forgotten first. */
  idempotencyMaxKeys?: number;
  /** Consumer session timeout: how long partitions of a crashed owner wait before moving. */
  sessionTimeoutMs?: number;
  /** Where decisions, outcomes, transactions and dead letters are counted (nothing is, without). */
  metrics?: EventSourcingMetrics;
  /** Process managers of the service's own events, run by its partition workers (WorkerContext.reactions). */
  reactions?: InlineReaction[];
  /**
   * Transaction groups (transaction-groups.ts): the partitions of a group are written in one
   * transaction at a time, and handed out together. Default: the registry's for the service. Every
   * instance of a service must use the same number (they refuse to join a group that does not).
   */
  transactionGroups?: number;
  /** After how long of failures in a row a partition makes trouble() report (default FAILING_DOWN_MS, 30 s). */
  failingDownMs?: number;
  /** The pauses before a consumer kafkajs stopped for good is replaced (ConsumerRevival: 1 s doubling to 30 s). */
  revival?: Pick<ConsumerRevivalOptions, 'initialDelayMs' | 'maxDelayMs'>;
}

/**
 * A partition's batch this large or larger is load: commands queued behind one another while the
 * partition was busy, and the next fetch lingers (commandLingerMs). A batch of one, a quiet
 * partition's, is decided and answered with no wait after it.
 */
export const COMMAND_LINGER_FROM = 2;

/**
 * Consumes `<service>.commands` as a consumer group and gives every assigned partition to its own
 * PartitionWorker (single writer per partition). Partitions are worked on concurrently; within one,
 * commands are decided strictly in log order. The partitions of a transaction group share one
 * transactional producer: what they decide while a transaction commits goes in the next one.
 */
export class CommandProcessor {
  readonly topics: ServiceTopics;
  readonly groupId: string;
  private readonly logger: Logger;
  private readonly workers = new Map<number, PartitionWorker>();
  private readonly groups = new Map<number, TransactionGroup>();
  readonly transactionGroups: number;
  private consumer: Consumer | undefined;
  private readonly context: WorkerContext;
  /** Every partition's snapshots, written outside the transactions (snapshot-writer.ts). */
  private readonly snapshots: SnapshotWriter;
  /** Partitions that failed in a row (a transaction, or rebuilding): since when (ms), how often, the last error. */
  private readonly failing = new Map<number, FailingPartition>();
  /** Replaces a consumer kafkajs stopped for good (it restarts it itself after any other failure). */
  private readonly revival: ConsumerRevival;
  /** Group commit under load: the wait after a busy partition's batch (commandLingerMs). */
  private readonly linger: ConsumerLinger;

  constructor(private readonly options: CommandProcessorOptions) {
    const ns = options.namespace ?? '';
    this.topics = {
      commands: topic(options.service, 'commands', ns).name,
      events: topic(options.service, 'events', ns).name,
      snapshots: topic(options.service, 'snapshots', ns).name,
      deadLetter: topic(options.service, 'dead-letter', ns).name,
    };
    this.groupId = `${ns ? `${ns}.` : ''}${options.service}.command-processor`;
    this.logger = new Logger(`${options.service}.commands`);
    this.snapshots = kafkaSnapshotWriter(options.kafka, new Logger(`${options.service}.snapshots`));
    this.transactionGroups = Math.min(
      options.transactionGroups ?? TRANSACTION_GROUPS[options.service],
      topic(options.service, 'commands').partitions,
    );
    this.context = {
      kafka: options.kafka,
      service: options.service,
      topics: this.topics,
      partitions: topic(options.service, 'events').partitions,
      registry: options.registry,
      deciders: options.deciders,
      groupId: this.groupId,
      owner: `${hostname()}:${process.pid}`,
      clock: options.clock ?? (() => new Date()),
      snapshotEveryEvents: options.snapshotEveryEvents ?? 5_000,
      snapshotEveryMs: options.snapshotEveryMs ?? 60_000,
      maxCommandsPerTransaction: options.maxCommandsPerTransaction ?? 1_000,
      rebuildTimeoutMs: options.rebuildTimeoutMs ?? 60_000,
      idempotencyWindowMs: options.idempotencyWindowMs ?? DEFAULT_IDEMPOTENCY_WINDOW_MS,
      idempotencyMaxKeys: options.idempotencyMaxKeys ?? DEFAULT_IDEMPOTENCY_MAX_KEYS,
      metrics: options.metrics ?? NO_METRICS,
      reactions: options.reactions ?? [],
      snapshots: this.snapshots,
    };
    this.linger = new ConsumerLinger({
      lingerMs: options.commandLingerMs ?? 0,
      fromRecords: COMMAND_LINGER_FROM,
    });
    this.revival = new ConsumerRevival({
      what: this.topics.commands,
      logger: this.logger,
      start: async () => {
        await this.consumer?.disconnect().catch(() => undefined);
        await this.startConsumer();
      },
      ...options.revival,
    });
  }

  async start(): Promise<void> {
    this.revival.resume();
    await this.startConsumer();
  }

  /** Resolves once its consumer has joined its group since start() (ConsumerRevival.untilJoined). */
  untilJoined(): Promise<void> {
    return this.revival.untilJoined();
  }

  private async startConsumer(): Promise<void> {
    const partitions = topic(this.options.service, 'commands').partitions;
    const consumer = this.options.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      // The broker answers a fetch as soon as it holds anything (an idle one waits 100 ms for it):
      // group commit's linger is this side's (ConsumerLinger), only under load.
      minBytes: 1,
      maxWaitTimeInMs: 100,
      ...consumerTiming(this.options.sessionTimeoutMs),
      rebalanceTimeout: 60_000,
      partitionAssigners: [transactionGroupAssigner(this.transactionGroups)],
    });
    this.consumer = consumer;
    this.linger.follow(consumer);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.revival.joined();
      const mine = new Set(payload.memberAssignment[this.topics.commands] ?? []);
      for (const partition of this.failing.keys()) if (!mine.has(partition)) this.failing.delete(partition);
      for (const [partition, worker] of this.workers) {
        if (!mine.has(partition)) {
          this.workers.delete(partition);
          void worker.close();
        }
      }
      for (const [g, group] of this.groups) {
        if (!partitionsOfGroup(g, this.transactionGroups, this.context.partitions).some((p) => mine.has(p))) {
          this.groups.delete(g);
          void group.close();
        }
      }
      // joinMs and memberId tie a slow start to the broker's log: a join waits there for a crashed
      // instance's session (docs/operations.md, "Commands wait after a crash").
      this.logger.log({
        msg: 'partitions assigned',
        partitions: [...mine].sort((a, b) => a - b),
        memberId: payload.memberId,
        joinMs: payload.duration,
      });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => this.revival.crashed(payload));
    await consumer.connect();
    await consumer.subscribe({ topic: this.topics.commands, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: partitions,
      // Whatever a batch throws is retried (retriedByKafkajs): kafkajs stops for good on some errors.
      eachBatch: (payload) =>
        this.onBatch(payload).catch((error: unknown) => Promise.reject(retriedByKafkajs(error))),
    });
  }

  private async onBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    let worker: PartitionWorker;
    try {
      worker = await this.workerFor(batch.partition);
    } catch (error) {
      // Its state could not be rebuilt (the broker, or an event of the log that no longer decodes).
      this.failed(batch.partition, error);
      throw error;
    }
    await heartbeat();
    try {
      await worker.handle(batch.messages, (offset) => resolveOffset(offset));
      this.failing.delete(batch.partition);
    } catch (error) {
      this.failed(batch.partition, error);
      // The transaction was aborted: drop the state it was built on and let kafkajs re-fetch
      // from the last committed offset; the partition's next batch rebuilds a fresh worker (and
      // its group's, whose other partitions are rebuilt too: they shared the failed producer).
      this.workers.delete(batch.partition);
      await worker.close();
      await this.dropBrokenGroup(groupOf(batch.partition, this.transactionGroups));
      this.logger.error({
        msg: 'transaction failed, partition will be rebuilt',
        partition: batch.partition,
        error: String(error),
      });
      throw error;
    }
    // Decided and committed: under load, let the next transaction's commands gather first, unless
    // a client waits on one of these (a command no event caused: sent by a caller, not derived by
    // a process manager), whose next commands would pay the wait in their answers.
    // (Orders lingers 0: its batches' headers are not looked through for it.)
    if (this.linger.active && isRunning())
      await this.linger.after({
        records: batch.messages.length,
        awaited: batch.messages.some((m) => m.headers?.[HEADERS.causationId] === undefined),
      });
  }

  /** One more failure in a row of the partition (trouble() reports it once it lasts). */
  private failed(partition: number, error: unknown): void {
    const before = this.failing.get(partition);
    this.failing.set(partition, {
      since: before?.since ?? Date.now(),
      failures: (before?.failures ?? 0) + 1,
      error: String(error).slice(0, 500),
    });
  }

  private async workerFor(partition: number): Promise<PartitionWorker> {
    let worker = this.workers.get(partition);
    if (worker && !worker.broken) return worker;
    worker = new PartitionWorker(
      this.context,
      partition,
      this.groupFor(groupOf(partition, this.transactionGroups)),
    );
    await worker.start();
    this.workers.set(partition, worker);
    return worker;
  }

  /**
   * The transaction group's shared producer, made once its first partition is worked on. It fences
   * the group's transactional id, and the ids its partitions had each before groups (a worker of that
   * version still running is fenced too).
   */
  private groupFor(g: number): TransactionGroup {
    const existing = this.groups.get(g);
    if (existing && !existing.broken) return existing;
    if (existing) void existing.close();
    const { service, topics } = this.context;
    const group = new TransactionGroup({
      kafka: this.context.kafka,
      transactionalId: groupTransactionalId(topics.commands, service, g, this.transactionGroups),
      fences: partitionsOfGroup(g, this.transactionGroups, this.context.partitions).map((p) =>
        partitionTransactionalId(topics.commands, service, p),
      ),
      groupId: this.groupId,
      commandsTopic: topics.commands,
      metrics: this.context.metrics ?? NO_METRICS,
    });
    this.groups.set(g, group);
    return group;
  }

  private async dropBrokenGroup(g: number): Promise<void> {
    const group = this.groups.get(g);
    if (!group?.broken) return;
    this.groups.delete(g);
    await group.close();
  }

  /**
   * Null while commands are decided; otherwise why not: the consumer stopped for good, or a
   * partition has failed in a row (a transaction, or rebuilding its state) for FAILING_DOWN_MS
   * (processor-trouble.ts).
   */
  trouble(now = Date.now()): CommandProcessorTrouble | null {
    return processorTrouble(
      this.topics.commands,
      this.failing,
      this.revival.down(),
      now,
      this.options.failingDownMs,
    );
  }

  async stop(): Promise<void> {
    this.revival.stop();
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
    await Promise.all([...this.workers.values()].map((w) => w.close()));
    this.workers.clear();
    await Promise.all([...this.groups.values()].map((g) => g.close()));
    this.groups.clear();
    await this.snapshots.close();
  }
}
