import type { Consumer } from 'kafkajs';
import { FetchLinger, HandledBatch, lingerAfter } from '../domain/fetch-linger';

/**
 * A consumer's group commit under load (the rule: domain/fetch-linger.ts). kafkajs fetches again
 * only once every batch of its last fetch was handled, so a batch handler that waits before it
 * returns holds the next fetch back. It waits from when that fetch came back (kafkajs' FETCH
 * event), which every batch of the fetch shares, so batches handled one after another
 * (partitionsConsumedConcurrently) wait out one linger between them, not one each.
 */
export class ConsumerLinger {
  private fetchedAt = 0;

  constructor(private readonly linger: FetchLinger) {}

  /** Whether it ever waits: without, a caller need not describe its batches (`after`). */
  get active(): boolean {
    return this.linger.lingerMs > 0;
  }

  /** Follows `consumer`'s fetches (for each new consumer: a revived one is another). */
  follow(consumer: Consumer): void {
    if (!this.active) return;
    consumer.on(consumer.events.FETCH, () => {
      this.fetchedAt = Date.now();
    });
  }

  /** Waits as the rule says after `batch` was handled: call it once the batch is done. */
  async after(batch: HandledBatch): Promise<void> {
    const ms = lingerAfter(this.linger, batch, this.fetchedAt, Date.now());
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
