import { Logger } from '@nestjs/common';
import { CompressionTypes, Kafka } from 'kafkajs';
import { LazyProducer } from './lazy-producer';

/** The key of a partition's snapshots in its snapshots topic (its claims are another key). */
export const SNAPSHOT_KEY = 'snapshot';

/** Where a partition worker hands the snapshots it takes once their transaction has committed. */
export interface SnapshotSink {
  /** Writes `value` as `partition`'s latest snapshot in `topic`, later; never throws. */
  write(topic: string, partition: number, value: string): void;
}

/** One snapshot record, as `SnapshotWriter` hands it to its `send`. */
export interface SnapshotRecord {
  topic: string;
  partition: number;
  value: string;
}

interface Slot {
  /** Being written now. */
  writing: Promise<void> | undefined;
  /** Taken while one was being written: written next, unless a newer one replaces it first. */
  next: SnapshotRecord | undefined;
}

/** How long `close` waits for the snapshots still to write before it gives them up. */
const CLOSE_WAIT_MS = 5_000;

/**
 * Writes snapshots outside the commands' transactions, one at a time per partition, newest first:
 * a snapshot taken while the partition's last one is still being written waits for it, and a newer
 * one taken meanwhile replaces it (only the latest is ever read). So a snapshot, a partition's whole
 * state and remembered keys (megabytes, gzipped), no longer rides the transaction of the commands
 * it follows, which every partition of the transaction group waits for; and a snapshot that cannot
 * be written costs nothing but itself (it is logged and dropped).
 *
 * Why a snapshot may be written outside the transaction: it is taken from the state after its
 * transaction committed (nothing aborted is in it), it names the offset in the events after which
 * the rebuild replays (`eventsOffset`), and it only saves time. Written late (after a newer one, or
 * by an owner fenced meanwhile), it is still a state the events reached at that offset: a rebuild
 * from it replays more events to the same state. Lost (a crash before it is written), the one
 * before it, or the events alone, rebuild the same state. A rebuild reads only up to its own claim,
 * so one written after it is not read by that rebuild.
 */
export class SnapshotWriter implements SnapshotSink {
  private readonly slots = new Map<string, Slot>();

  /** `release`: what `close` frees once the pending snapshots are written (a producer). */
  constructor(
    private readonly send: (record: SnapshotRecord) => Promise<void>,
    private readonly logger: Pick<Logger, 'warn'> = new Logger('snapshots'),
    private readonly release: () => Promise<void> = async () => undefined,
  ) {}

  write(topic: string, partition: number, value: string): void {
    const id = `${topic}:${partition}`;
    const record = { topic, partition, value };
    const slot = this.slots.get(id);
    if (slot?.writing) {
      slot.next = record;
      return;
    }
    const fresh: Slot = { writing: undefined, next: undefined };
    this.slots.set(id, fresh);
    this.start(id, fresh, record);
  }

  private start(id: string, slot: Slot, record: SnapshotRecord): void {
    slot.writing = this.send(record)
      .catch((error: unknown) =>
        this.logger.warn({
          msg: 'a snapshot was not written; the next one, or the events, rebuild the same state',
          topic: record.topic,
          partition: record.partition,
          bytes: Buffer.byteLength(record.value),
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .then(() => {
        const next = slot.next;
        slot.next = undefined;
        if (next) return this.start(id, slot, next);
        slot.writing = undefined;
        if (this.slots.get(id) === slot) this.slots.delete(id);
      });
  }

  /** Resolves once every snapshot handed over so far is written (or given up), at most `ms` later. */
  async flush(ms = CLOSE_WAIT_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    const idle = (async () => {
      while (this.slots.size > 0) await Promise.all([...this.slots.values()].map((s) => s.writing));
    })();
    await Promise.race([idle, deadline]);
    clearTimeout(timer);
  }

  /**
   * Writes what was handed over (waiting at most `ms`), then frees what it writes with (a snapshot
   * handed over later takes it again: a processor stopped and started again goes on snapshotting).
   */
  async close(ms = CLOSE_WAIT_MS): Promise<void> {
    await this.flush(ms);
    await this.release();
  }
}

/**
 * A SnapshotWriter on a producer of its own, idempotent, not transactional (see SnapshotWriter),
 * connected at the first snapshot; its `close` writes what is pending, then disconnects it.
 */
export function kafkaSnapshotWriter(kafka: Kafka, logger?: Pick<Logger, 'warn'>): SnapshotWriter {
  const producer = new LazyProducer(kafka);
  return new SnapshotWriter(
    async ({ topic, partition, value }) => {
      await (
        await producer.get()
      ).send({
        topic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: [{ key: SNAPSHOT_KEY, partition, value }],
      });
    },
    logger,
    () => producer.close(),
  );
}
