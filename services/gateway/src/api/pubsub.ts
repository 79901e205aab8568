import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisClient } from '@gpux/platform';

type Listener = (message: string) => void;

/**
 * Subscriptions are fed by the projections' Redis pub/sub notices (docs/architecture.md §4), never by polling:
 * one subscriber connection per gateway, a channel subscribed while anyone listens to it.
 */
@Injectable()
export class RedisPubSub implements OnApplicationShutdown {
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly redis: RedisClient) {}

  private connection(): Redis {
    if (!this.subscriber) {
      // A subscriber connection: no ready check (its INFO, sent after a SUBSCRIBE that went out
      // while connecting, fails in subscriber mode), and an error listener (ioredis reports
      // connection errors as 'error' events, which unhandled would end the process; it reconnects
      // and resubscribes by itself).
      this.subscriber = this.redis.redis.duplicate({ enableReadyCheck: false });
      this.subscriber.on('error', () => undefined);
      this.subscriber.on('message', (channel: string, message: string) => {
        for (const listener of this.listeners.get(channel) ?? []) listener(message);
      });
    }
    return this.subscriber;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }

  /**
   * An async iterator of what `map` makes of each message on the channel (null skips it); ends when
   * the client unsubscribes. A slow client keeps at most `buffer` items: older ones are dropped,
   * since every item is a fresh view of the read model.
   */
  iterate<T>(
    channel: string,
    map: (message: string) => Promise<T | null>,
    buffer = 100,
  ): AsyncIterableIterator<T> {
    const queue: Promise<T | null>[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const listener: Listener = (message) => {
      queue.push(map(message).catch(() => null));
      if (queue.length > buffer) queue.shift();
      wake?.();
    };
    let set = this.listeners.get(channel);
    if (!set) {
      this.listeners.set(channel, (set = new Set()));
      void this.connection().subscribe(channel);
    }
    set.add(listener);
    const stop = () => {
      done = true;
      set!.delete(listener);
      if (set!.size === 0) {
        this.listeners.delete(channel);
        void this.subscriber?.unsubscribe(channel).catch(() => undefined);
      }
      wake?.();
    };
    const iterator: AsyncIterableIterator<T> = {
      [Symbol.asyncIterator]: () => iterator,
      async next(): Promise<IteratorResult<T>> {
        for (;;) {
          if (done) return { done: true, value: undefined };
          const item = queue.shift();
          if (item) {
            const value = await item;
            if (value !== null) return { done: false, value };
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      },
      async return(): Promise<IteratorResult<T>> {
        stop();
        return { done: true, value: undefined };
      },
    };
    return iterator;
  }
}
