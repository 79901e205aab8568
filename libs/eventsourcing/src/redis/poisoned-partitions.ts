import type { Consumer } from 'kafkajs';
import { checkpointField } from './keys';
import { PoisonOptions, ProjectionLogger, StoppedPartition } from './options';
import { afterFailure } from './poison';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A projection runner's failed batches, per partition: how many attempts in a row each has had,
 * and the partitions stopped on a poison batch (paused on the consumer, reported by `list()` and
 * so by /health) until a rebuild or a new epoch starts them again (`restartAll`). What to do after
 * one failure is the pure `afterFailure` (poison.ts).
 */
export class PoisonedPartitions {
  /** Consecutive failed attempts per `<topic>:<partition>`. */
  private readonly failures = new Map<string, number>();
  /** Partitions stopped on a poison batch, per `<topic>:<partition>`. */
  private readonly stopped = new Map<string, StoppedPartition>();

  constructor(
    private readonly projection: string,
    private readonly options: Required<PoisonOptions>,
    private readonly logger: ProjectionLogger,
    private readonly consumer: () => Consumer | undefined,
  ) {}

  list(): StoppedPartition[] {
    return [...this.stopped.values()];
  }

  isStopped(field: string): boolean {
    return this.stopped.has(field);
  }

  /** A batch of the partition was applied: its failures in a row are over. */
  succeeded(field: string): void {
    this.failures.delete(field);
  }

  /** After a rebalance: a stopped partition now owned by another instance is that instance's to report. */
  keepAssigned(assignment: Record<string, number[]>): void {
    for (const [field, { topic, partition }] of this.stopped)
      if (!assignment[topic]?.includes(partition)) this.stopped.delete(field);
  }

  /**
   * A batch from `offset` failed. True: read it again (after the pause this waited); false: its
   * partition is now stopped (paused, logged once, listed), and the rest go on.
   */
  async failed(
    topic: string,
    partition: number,
    offset: number,
    error: unknown,
    redisDown: boolean,
  ): Promise<boolean> {
    const field = checkpointField(topic, partition);
    const step = afterFailure(this.failures.get(field) ?? 0, redisDown, this.options);
    this.failures.set(field, step.attempts);
    if (step.kind === 'retry') {
      if (step.attempts === 1)
        this.logger.warn({
          msg: 'projection batch failed, retrying',
          projection: this.projection,
          topic,
          partition,
          offset,
          error: String(error),
        });
      await sleep(step.delayMs);
      return true;
    }
    const stopped: StoppedPartition = {
      projection: this.projection,
      topic,
      partition,
      offset,
      error: String(error),
      attempts: step.attempts,
      at: new Date().toISOString(),
    };
    this.stopped.set(field, stopped);
    this.consumer()?.pause([{ topic, partitions: [partition] }]);
    this.logger.error({
      msg: `projection ${this.projection} stopped on ${field} at offset ${offset} after ${step.attempts} failed attempts: rebuild once fixed`,
      ...stopped,
    });
    return false;
  }

  /** A new epoch (a rebuild, here or by another runner) refolds everything: stopped partitions start again. */
  restartAll(): void {
    this.failures.clear();
    if (this.stopped.size === 0) return;
    for (const { topic, partition } of this.stopped.values())
      this.consumer()?.resume([{ topic, partitions: [partition] }]);
    this.logger.log({
      msg: 'projection restarts its stopped partitions',
      projection: this.projection,
      partitions: [...this.stopped.keys()],
    });
    this.stopped.clear();
  }
}
