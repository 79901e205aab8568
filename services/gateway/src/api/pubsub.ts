import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisClient } from '@gpux/platform';

/** A subscriber's iterator on a channel: how it maps a message, and where the mapped view goes. */
interface Listener {
  map: (message: string) => Promise<unknown>;
  deliver: (view: Promise<unknown>) => void;
}

/**
 * Subscriptions are fed by the projections' Redis pub/sub notices (docs/architecture.md §4), never by polling:
 * one subscriber connection per gateway, a channel subscribed while anyone listens to it.
 *
 * A message is mapped once, however many listen on its channel: every subscription on a channel
 * maps it the same way (what it reads depends on the channel and the message only: a market's
 * book, a node, an order), so the first listener's view is every listener's. Before, each
 * subscriber read the read model again: a market's book watched by a thousand clients was read a
 * thousand times per change.
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
        let view: Promise<unknown> | undefined;
        for (const listener of this.listeners.get(channel) ?? []) {
          view ??= Promise.resolve(message)
            .then(listener.map)
            .catch(() => null);
          listener.deliver(view);
        }
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
   * since every item is a fresh view of the read model. `map` must depend on the channel and the
   * message only: one listener's view of a message is every listener's (see the class).
   */
  iterate<T>(
    channel: string,
    map: (message: string) => Promise<T | null>,
    buffer = 100,
  ): AsyncIterableIterator<T> {
    const queue: Promise<T | null>[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const listener: Listener = {
      map,
      deliver: (view) => {
        queue.push(view as Promise<T | null>);
        if (queue.length > buffer) queue.shift();
        wake?.();
      },
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
