import { Kafka, Partitioners, Producer } from 'kafkajs';

/**
 * An idempotent producer (not a transactional one) connected at its first use: one connection
 * attempt at a time, and one that fails is not kept, so the next use connects again (Kafka may be
 * back by then). `close` disconnects it; a later use connects a new one.
 */
export class LazyProducer {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;

  constructor(private readonly kafka: Kafka) {}

  get(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      try {
        await producer.connect();
      } catch (error) {
        this.connecting = undefined;
        await producer.disconnect().catch(() => undefined);
        throw error;
      }
      this.producer = producer;
      return producer;
    })();
    return this.connecting;
  }

  /** Disconnects the producer connected, if one is (one still connecting is not waited for). */
  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}
