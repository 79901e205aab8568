import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * Reads a topic from the beginning (read committed unless told otherwise) until `done` says
 * enough, or fails after `timeoutMs` saying how much it saw.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  done: (records: ReadRecord[]) => boolean,
  options: { timeoutMs?: number; readUncommitted?: boolean } = {},
): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({
    groupId: `test-reader-${randomUUID()}`,
    readUncommitted: options.readUncommitted ?? false,
    maxWaitTimeInMs: 100,
  });
  const records: ReadRecord[] = [];
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`reading ${topic}: only ${records.length} records after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const toRecord = (partition: number, m: KafkaMessage): ReadRecord => ({
        partition,
        offset: m.offset,
        key: m.key?.toString() ?? '',
        value: m.value?.toString() ?? '',
        headers: Object.fromEntries(
          Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v)]),
        ),
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) records.push(toRecord(batch.partition, m));
            if (done(records)) resolve();
          },
        })
        .catch(reject);
      if (done(records)) resolve();
    });
    return records;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}

/** Waits `ms` and then reads again: proof that nothing more arrives. */
export async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
