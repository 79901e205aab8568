import type { Consumer } from 'kafkajs';

/**
 * Calls `pass` for each fetch of a partition that holds only control records (a transaction's
 * commit or abort marker) or aborted records. Such a fetch never reaches eachBatch (kafkajs
 * resolves it by itself) and its offsets carry no event, so a fold moves its checkpoint past them
 * here. Else a partition whose last fetch was one stays below its log's end for good, and what
 * waits for that end (a refold's rebuilding marker, a new generation's switch) never comes.
 */
export function onEventlessFetches(
  consumer: Consumer,
  pass: (topic: string, partition: number, first: number, last: number) => void,
): void {
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0 && payload.firstOffset !== null)
      pass(payload.topic, payload.partition, Number(payload.firstOffset), Number(payload.lastOffset));
  });
}
