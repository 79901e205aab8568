import { Kafka, Message, Partitioners, Producer, RecordMetadata } from 'kafkajs';
import { TRANSACTION_RETRY, whileConcurrent } from './codec';
import { withinBatchLimit } from './record-batches';
import { EventSourcingMetrics, NO_METRICS } from '../metrics/metrics';

/** What one partition writes in a transaction: its records, and where its command offset moves to. */
export interface PartitionWrite {
  partition: number;
  /** Records by topic (events, reactions' commands, dead letters), in the order written. */
  topicMessages: { topic: string; messages: Message[] }[];
  /** The command offset to commit (the next one to read); none for a write that consumed nothing (a claim). */
  nextOffset?: string;
}

interface Queued {
  write: PartitionWrite;
  resolve: (written: RecordMetadata[]) => void;
  reject: (error: unknown) => void;
}

export interface TransactionGroupOptions {
  kafka: Kafka;
  transactionalId: string;
  /** Older transactional ids that wrote these partitions before (fenced once at start). */
  fences?: string[];
  /** The consumer group whose offsets the transactions commit, and the commands topic. */
  groupId: string;
  commandsTopic: string;
  metrics?: EventSourcingMetrics;
  /** Test seam: runs after the writes of a transaction of commands (not a claim's), before its commit (a zombie's moment). */
  beforeCommit?: () => Promise<void>;
}

/**
 * One transactional producer shared by the partitions of a transaction group (transaction-groups.ts):
 * what they hand it while a transaction is under way is written together in the next one (group
 * commit across partitions), with every one of their command offsets. A partition hands it at most
 * one write at a time (it waits for its transaction before deciding more), so a transaction holds at
 * most one write per partition. A failed transaction fails every write in it and every one waiting,
 * and the group is broken: its partitions' states are rebuilt with a new one.
 */
export class TransactionGroup {
  private producer: Producer | undefined;
  private starting: Promise<void> | undefined;
  private queue: Queued[] = [];
  private running = false;
  private failed = false;

  constructor(private readonly options: TransactionGroupOptions) {}

  get transactionalId(): string {
    return this.options.transactionalId;
  }

  get broken(): boolean {
    return this.failed;
  }

  /** Fences every older owner (this id's and the older ids'); once, however many partitions ask. */
  start(): Promise<void> {
    this.starting ??= this.fence().catch((error: unknown) => {
      this.failed = true;
      throw error;
    });
    return this.starting;
  }

  private async fence(): Promise<void> {
    // kafkajs asks for a transactional producer id (which fences the id's older producers and
    // aborts their open transaction) at a producer's first transaction, not when it connects: begin
    // an empty one and abort it, which sends nothing more. An older id's open transaction is aborted
    // so, and its partitions' committed ends are final before they are read.
    for (const id of this.options.fences ?? []) {
      const old = this.newProducer(id);
      try {
        await old.connect();
        await (await old.transaction()).abort();
      } finally {
        await old.disconnect().catch(() => undefined);
      }
    }
    // Kept before it connects, so that close() disconnects it even when fencing fails.
    const producer = this.newProducer(this.options.transactionalId);
    this.producer = producer;
    await producer.connect();
    await (await producer.transaction()).abort();
  }

  private newProducer(transactionalId: string): Producer {
    return this.options.kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      transactionTimeout: 30_000,
      retry: TRANSACTION_RETRY,
    });
  }

  /**
   * Writes `write` in the group's next transaction; resolves once it committed, with where the
   * broker put the records written to this partition number, of any topic (a snapshot names the
   * offset after the events just written).
   */
  commit(write: PartitionWrite): Promise<RecordMetadata[]> {
    if (this.failed) return Promise.reject(new Error(`transaction group ${this.transactionalId} is broken`));
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      // The partitions of one fetch are handed their batches together: let them all join.
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length && !this.failed) {
      const batch = this.queue.splice(0, this.queue.length);
      try {
        const written = await this.transaction(batch.map((q) => q.write));
        batch.forEach((q) => q.resolve(written.filter((m) => m.partition === q.write.partition)));
      } catch (error) {
        this.failed = true;
        batch.forEach((q) => q.reject(error));
      }
    }
    if (this.failed) {
      const waiting = this.queue.splice(0, this.queue.length);
      const error = new Error(
        `transaction group ${this.transactionalId} is broken: an earlier transaction failed`,
      );
      waiting.forEach((q) => q.reject(error));
    }
    this.running = false;
  }

  private async transaction(writes: PartitionWrite[]): Promise<RecordMetadata[]> {
    const producer = this.producer;
    if (!producer) throw new Error(`transaction group ${this.transactionalId} used before start()`);
    const metrics = this.options.metrics ?? NO_METRICS;
    const txn = await producer.transaction();
    try {
      // Several requests when the records outgrow what the broker takes in one (a backlog's).
      const written: RecordMetadata[] = [];
      for (const send of withinBatchLimit(merged(writes.flatMap((w) => w.topicMessages))))
        written.push(...(await txn.sendBatch({ topicMessages: send })));
      const offsets = writes.flatMap((w) =>
        w.nextOffset === undefined ? [] : [{ partition: w.partition, offset: w.nextOffset }],
      );
      if (offsets.length) {
        await whileConcurrent(
          () =>
            txn.sendOffsets({
              consumerGroupId: this.options.groupId,
              topics: [{ topic: this.options.commandsTopic, partitions: offsets }],
            }),
          () => metrics.transactionRetried('command_processor'),
        );
        await this.options.beforeCommit?.();
      }
      await txn.commit();
      metrics.transactionCommitted('command_processor');
      return written;
    } catch (error) {
      await txn.abort().catch(() => undefined);
      metrics.transactionAborted('command_processor');
      throw error;
    }
  }

  async close(): Promise<void> {
    this.failed = true;
    await this.starting?.catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
  }
}

/** Records of several writes, one entry per topic (a produce request's shape), in order. */
function merged(entries: { topic: string; messages: Message[] }[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, messages } of entries) {
    if (!messages.length) continue;
    const into = byTopic.get(topic);
    if (into) for (const m of messages) into.push(m);
    else byTopic.set(topic, [...messages]);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
