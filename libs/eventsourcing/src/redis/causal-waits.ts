import type { Consumer } from 'kafkajs';
import { checkpointField } from './keys';
import type { ProjectionLogger } from './options';

/** The first pause of a partition whose next event waits for its cause; doubled per retry. */
const FIRST_PAUSE_MS = 5;
const MAX_PAUSE_MS = 200;

interface Wait {
  topic: string;
  partition: number;
  /** The event that waits. */
  offset: number;
  since: number;
  retries: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The partitions of a projection whose next event waits for its cause on another partition (a
 * `requires` the script answered `waiting` to). Such a partition is paused on the consumer, and
 * after a short pause (5 ms, doubling to 200 ms) the events it holds from that one on are tried
 * again (`retry`), while the other partitions, the cause's among them, go on. Partitions are
 * folded independently, so this is what keeps an effect from being visible before its cause.
 * The events are held, not fetched and decoded again: a replay's batches are megabytes, and
 * reading one again for every wait made a rebuild several times slower (bench/README.md).
 *
 * A cause is written to the log before its effect (the effect's command is written in the
 * cause's transaction), so it comes as soon as its partition is folded that far. One that never
 * comes (an unreadable event skipped, a partition stopped on poison) must not stop the partition
 * for good: after `limitMs` the event is applied without it, with one warning line (`overdue`).
 */
export class CausalWaits {
  private readonly waits = new Map<string, Wait>();

  constructor(
    private readonly projection: string,
    private readonly limitMs: number,
    private readonly logger: ProjectionLogger,
    private readonly consumer: () => Consumer | undefined,
    /** A partition stopped for another reason (poison) is not resumed here. */
    private readonly isStopped: (field: string) => boolean = () => false,
  ) {}

  /**
   * The event at `offset` waits for its cause: pause its partition, and after the pause call
   * `retry`, which folds the held events again and answers whether it is done with the partition
   * (it waits again, or moved it on): false resumes the partition as it stands.
   */
  waiting(topic: string, partition: number, offset: number, retry: () => Promise<boolean>): void {
    const field = checkpointField(topic, partition);
    const previous = this.waits.get(field);
    clearTimeout(previous?.timer);
    const same = previous?.offset === offset;
    const wait: Wait = {
      topic,
      partition,
      offset,
      since: same ? previous.since : Date.now(),
      retries: same ? previous.retries + 1 : 0,
      timer: undefined,
    };
    this.waits.set(field, wait);
    const consumer = this.consumer();
    if (!consumer) return;
    try {
      consumer.pause([{ topic, partitions: [partition] }]);
    } catch (error) {
      this.logger.warn({
        msg: 'projection could not pause',
        projection: this.projection,
        topic,
        partition,
        offset,
        error: String(error),
      });
    }
    wait.timer = setTimeout(
      () => {
        wait.timer = undefined;
        void retry().then(
          (handled) => handled || this.resume(wait),
          () => this.resume(wait),
        );
      },
      Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** wait.retries),
    );
    wait.timer.unref();
  }

  /**
   * The offset of the partition's event that has waited longer than the limit for its cause, to
   * be applied without it now (logged once); undefined when none has.
   */
  overdue(topic: string, partition: number): number | undefined {
    const wait = this.waits.get(checkpointField(topic, partition));
    if (!wait || Date.now() - wait.since < this.limitMs) return undefined;
    this.logger.warn({
      msg: 'projection applies an event without its cause: it waited longer than the limit',
      projection: this.projection,
      topic,
      partition,
      offset: wait.offset,
      waitedMs: Date.now() - wait.since,
    });
    return wait.offset;
  }

  /** The partition was folded up to `reached`: a wait at or below it is over. */
  reached(topic: string, partition: number, reached: number): void {
    const field = checkpointField(topic, partition);
    const wait = this.waits.get(field);
    if (wait && wait.offset <= reached) {
      clearTimeout(wait.timer);
      this.waits.delete(field);
    }
  }

  /** Positions were reset (a rebuild, a new assignment) or the runner stops: every wait is over. */
  clear(): void {
    for (const wait of this.waits.values()) {
      clearTimeout(wait.timer);
      if (wait.timer) this.resume(wait);
    }
    this.waits.clear();
  }

  private resume({ topic, partition }: Wait): void {
    if (this.isStopped(checkpointField(topic, partition))) return;
    try {
      this.consumer()?.resume([{ topic, partitions: [partition] }]);
    } catch {
      // The consumer stopped meanwhile: nothing is fetched any more, nothing to resume.
    }
  }
}
