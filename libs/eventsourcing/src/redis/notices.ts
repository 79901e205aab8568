import type Redis from 'ioredis';

type Listener = (message: string) => void;

interface Subscription {
  listeners: Set<Listener>;
  /** Settles once Redis confirmed the SUBSCRIBE: from then on no notice on the channel is missed. */
  ready: Promise<unknown>;
  /** Set while nobody listens: when it fires, the channel is unsubscribed. */
  idle?: NodeJS.Timeout;
}

/** How long a channel stays subscribed after its last waiter is done (default of `keepIdleMs`). */
export const DEFAULT_KEEP_IDLE_MS = 5_000;

/**
 * Waiting on what projections announce (the `applied` channel of every runner, and the notices a
 * projection publishes with its writes) instead of polling Redis: one subscriber connection,
 * opened on first use, each channel subscribed while someone waits on it.
 *
 * A waiter reads once after its subscription is confirmed (what was applied before it is seen by
 * that read, what is applied after it is announced), then again only when a notice that concerns
 * it arrives, and once more at its deadline: a notice lost to a reconnect costs time, never a
 * wrong answer.
 *
 * A channel stays subscribed `keepIdleMs` after its last waiter is done, so that the next waiter,
 * usually moments later (every command's wait for its outcome, every read-your-writes wait), finds
 * it confirmed: no SUBSCRIBE to wait for and no UNSUBSCRIBE per wait. Notices on it meanwhile
 * reach no one, as when nobody is subscribed.
 */
export class RedisNotices {
  private subscriber: Redis | undefined;
  private readonly channels = new Map<string, Subscription>();

  constructor(
    private readonly redis: Redis,
    private readonly keepIdleMs: number = DEFAULT_KEEP_IDLE_MS,
  ) {}

  private connection(): Redis {
    if (!this.subscriber) {
      // A subscriber connection: no ready check (its INFO, sent after a SUBSCRIBE that went out
      // while connecting, fails in subscriber mode), and an error listener (ioredis reports
      // connection errors as 'error' events, which unhandled would end the process; it reconnects
      // and resubscribes by itself). Its offline queue on, whatever the connection it copies has
      // now (the gateway's is off while Redis is down: @gpux/platform's fail-fast.ts), so a
      // SUBSCRIBE sent while it connects waits for it.
      this.subscriber = this.redis.duplicate({ enableReadyCheck: false, enableOfflineQueue: true });
      this.subscriber.on('error', () => undefined);
      this.subscriber.on('message', (channel: string, message: string) => {
        for (const listener of this.channels.get(channel)?.listeners ?? []) listener(message);
      });
    }
    return this.subscriber;
  }

  /** Calls `listener` with every message on `channel` from when it resolves; returns how to stop. */
  async listen(channel: string, listener: Listener): Promise<() => void> {
    let subscription = this.channels.get(channel);
    if (!subscription) {
      subscription = { listeners: new Set(), ready: this.connection().subscribe(channel) };
      this.channels.set(channel, subscription);
    }
    const entry = subscription;
    if (entry.idle) clearTimeout(entry.idle);
    entry.idle = undefined;
    entry.listeners.add(listener);
    const unsubscribe = () => {
      if (entry.idle) clearTimeout(entry.idle);
      entry.idle = undefined;
      if (entry.listeners.size === 0 && this.channels.get(channel) === entry) {
        this.channels.delete(channel);
        void this.subscriber?.unsubscribe(channel).catch(() => undefined);
      }
    };
    const stop = () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size > 0 || this.channels.get(channel) !== entry || entry.idle) return;
      if (this.keepIdleMs <= 0) return unsubscribe();
      entry.idle = setTimeout(unsubscribe, this.keepIdleMs);
      entry.idle.unref();
    };
    try {
      await entry.ready;
    } catch (error) {
      // A SUBSCRIBE that failed is not kept: the next waiter subscribes again.
      entry.listeners.delete(listener);
      unsubscribe();
      throw error;
    }
    return stop;
  }

  /**
   * The first result of `probe` that is not undefined: probed once the channel is subscribed, then
   * after each notice `concerns` accepts (notices during a probe make one more probe, not one
   * each), and a last time when `timeoutMs` has passed; undefined if that one finds nothing either.
   */
  async waitFor<T>(
    channel: string,
    probe: () => Promise<T | undefined>,
    timeoutMs: number,
    concerns: (message: string) => boolean = () => true,
  ): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    let noticed = false;
    let wake: (() => void) | undefined;
    const stop = await this.listen(channel, (message) => {
      if (!concerns(message)) return;
      noticed = true;
      wake?.();
    });
    try {
      for (;;) {
        noticed = false;
        const found = await probe();
        if (found !== undefined) return found;
        if (noticed) continue;
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        const timedOut = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), left);
          wake = () => {
            clearTimeout(timer);
            resolve(false);
          };
        });
        wake = undefined;
        if (timedOut) return await probe();
      }
    } finally {
      stop();
    }
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    for (const entry of this.channels.values()) if (entry.idle) clearTimeout(entry.idle);
    this.channels.clear();
    await subscriber?.quit().catch(() => undefined);
  }
}
