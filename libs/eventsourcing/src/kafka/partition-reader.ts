import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface ReadPartitionOptions {
  topic: string;
  partition: number;
  fromOffset: string;
  /** How many partitions the topic has (the registry's count, which provisioning enforces). */
  partitions: number;
  /** Reading stops at the first message for which this is true; that message is not passed on. */
  until: (message: KafkaMessage) => boolean;
  onMessage: (message: KafkaMessage) => void;
  timeoutMs: number;
}

/**
 * Reads one partition, read committed, from an offset up to a known message; rejects at the first
 * message `onMessage` throws on. kafkajs has no manual assignment, so this is a consumer of a
 * throw-away group that pauses the topic's other partitions and seeks; it never commits. The stop
 * is a message the caller wrote itself (a claim marker), because a read-committed reader cannot
 * tell "caught up" from offsets alone: the transaction markers at the end of the log are never
 * delivered.
 */
export async function readPartitionUntil(kafka: Kafka, options: ReadPartitionOptions): Promise<number> {
  const { topic, partition, partitions, fromOffset, until, onMessage, timeoutMs } = options;
  const consumer = kafka.consumer({
    groupId: `reader-${randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 50,
    maxBytesPerPartition: 8 * 1024 * 1024,
    retry: { retries: 5 },
  });
  let read = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const finished = new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `reading ${topic}[${partition}] from ${fromOffset} did not reach its marker within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      let done = false;
      void consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (done || batch.partition !== partition) return;
            for (const message of batch.messages) {
              if (BigInt(message.offset) < BigInt(fromOffset)) continue;
              if (until(message)) {
                done = true;
                resolve();
                return;
              }
              try {
                onMessage(message);
              } catch (error) {
                // Stops at once with what failed: retried, the batch would be read into the
                // state again, and the same message fail again until the timeout said only that.
                done = true;
                const why = error instanceof Error ? error.message : String(error);
                reject(
                  new Error(`${topic}[${partition}] at offset ${message.offset}: ${why}`, { cause: error }),
                );
                return;
              }
              read++;
            }
          },
        })
        .catch(reject);
    });
    const others = Array.from({ length: partitions }, (_, p) => p).filter((p) => p !== partition);
    if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
    consumer.seek({ topic, partition, offset: fromOffset });
    await finished;
    return read;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}
