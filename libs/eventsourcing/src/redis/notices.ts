import type Redis from 'ioredis';

/**
 * Called with each message on the channel, and with `undefined` when notices may have been lost:
 * the subscriber connection dropped and the channel is subscribed again now (look again).
 */
type Listener = (message: string | undefined) => void;

interface Subscription {
  listeners: Set<Listener>;
  /** Settles once Redis confirmed the SUBSCRIBE: from then on no notice on the channel is missed. */
  ready: Promise<unknown>;
  /**
   * Subscribed, confirmed, and the connection not lost since: every notice published on the
   * channel from now on reaches the listeners. False until the SUBSCRIBE is confirmed, and from
   * the subscriber connection's 'close' until the channel's SUBSCRIBE on the new connection is.
   */
  live: boolean;
  /**
   * Its SUBSCRIBE was confirmed once: not live after a 'close', it is subscribed again (and its
   * listeners woken) on each 'ready' until it is. One still waiting for its first confirmation is
   * left to ioredis, which sends it again.
   */
  confirmed: boolean;
  /**
   * Lost with the subscriber connection after its SUBSCRIBE was confirmed, and not live again yet:
   * its notices reach no listener (they would read on a connection perhaps not ready yet, and
   * every listener is woken to read again once it is, which covers them).
   */
  lapsed?: boolean;
  /** Set while nobody listens: when it fires, the channel is unsubscribed. */
  idle?: NodeJS.Timeout;
}

/** What ioredis says of a command refused on a connection that is down with its offline queue off. */
const REDIS_DOWN_MESSAGE = "Stream isn't writeable and enableOfflineQueue options is false";

/** Resolves once `redis` is ready (at once if it is). */
export function readyOf(redis: Redis): Promise<void> {
  return redis.status === 'ready'
    ? Promise.resolve()
    : new Promise((resolve) => redis.once('ready', () => resolve()));
}

/** How long a channel stays subscribed after its last waiter is done (default of `keepIdleMs`). */
export const DEFAULT_KEEP_IDLE_MS = 5_000;

/**
 * A listener on a channel started before what it waits for is caused (`RedisNotices.watch`): it
 * remembers whether a notice that concerns it came since, or may have been lost (a reconnect), so
 * that the wait that follows reads only when there can be something to read.
 */
export interface NoticeWatch {
  /**
   * The first result of `probe` that is not undefined: probed at once only if a notice that
   * concerns the watch came since it began (or notices may have been lost: the channel was not
   * live when it began, or the connection dropped since), then after each such notice, and a
   * last time when `timeoutMs` has passed; undefined if that one finds nothing either.
   * `probeFirst`: probe at once whatever was heard (what `waitFor` does).
   */
  until<T>(
    probe: () => Promise<T | undefined>,
    timeoutMs: number,
    probeFirst?: boolean,
  ): Promise<T | undefined>;
  /** Stops listening (idempotent); `until` stops it too once it answers. */
  stop(): void;
}

/**
 * Waiting on what projections announce (the `applied` channel of every runner, and the notices a
 * projection publishes with its writes) instead of polling Redis: one subscriber connection,
 * opened on first use, each channel subscribed while someone waits on it.
 *
 * A waiter (`waitFor`) reads once after its subscription is confirmed (what was applied before it
 * is seen by that read, what is applied after it is announced), then again only when a notice that
 * concerns it arrives, and once more at its deadline. A watch (`watch`) is a waiter registered
 * before what it waits for is caused (a command's outcome, before the command is bound and
 * written): whatever is announced from then on reaches it, so its first read is made only when
 * something that concerns it was announced, or may have been lost.
 *
 * When the subscriber connection drops, notices published meanwhile are lost: once it is back,
 * every channel that was subscribed is subscribed again (ioredis resubscribes only what Redis had
 * confirmed; this waits for its own confirmation) and every waiter on it reads again, so a lost
 * notice costs a reconnect's time, not a wait until the deadline. Until then the channel is not
 * live, and a watch begun on it reads first. Notices that arrive on it before then (ioredis
 * subscribes again by itself, and the connection the waiters read on may not be ready yet: it
 * refuses commands while down, fail-fast.ts) are not passed on: the reads that follow cover them.
 *
 * A channel stays subscribed `keepIdleMs` after its last waiter is done, so that the next waiter,
 * usually moments later (every command's wait for its outcome, every read-your-writes wait), finds
 * it confirmed: no SUBSCRIBE to wait for and no UNSUBSCRIBE per wait. Notices on it meanwhile
 * reach no one, as when nobody is subscribed.
 */
export class RedisNotices {
  private subscriber: Redis | undefined;
  /** The subscriber connection's 'close' events so far: a resubscription outlived by one is stale. */
  private closes = 0;
  private readonly channels = new Map<string, Subscription>();

  constructor(
    private readonly redis: Redis,
    private readonly keepIdleMs: number = DEFAULT_KEEP_IDLE_MS,
  ) {}

  private connection(): Redis {
    if (!this.subscriber) {
      // A subscriber connection: no ready check (its INFO, sent after a SUBSCRIBE that went out
      // while connecting, fails in subscriber mode), its offline queue on, whatever the connection
      // it copies has now (the gateway's is off while Redis is down: @gpux/platform's
      // fail-fast.ts), so a SUBSCRIBE sent while it connects waits for it, and an error listener
      // (ioredis reports connection errors as 'error' events, which unhandled would end the
      // process; it reconnects by itself).
      const subscriber = this.redis.duplicate({ enableReadyCheck: false, enableOfflineQueue: true });
      this.subscriber = subscriber;
      subscriber.on('error', () => undefined);
      subscriber.on('message', (channel: string, message: string) => {
        const entry = this.channels.get(channel);
        if (!entry || entry.lapsed) return;
        for (const listener of entry.listeners) listener(message);
      });
      subscriber.on('close', () => {
        this.closes++;
        for (const entry of this.channels.values()) {
          entry.live = false;
          if (entry.confirmed) entry.lapsed = true;
        }
      });
      subscriber.on('ready', () => this.resubscribe(subscriber));
    }
    return this.subscriber;
  }

  /**
   * The connection is back: every channel confirmed before and not live now is subscribed again,
   * and once Redis confirms it, its listeners are told to look again (`undefined`). One not
   * confirmed (the connection dropped again) is tried again on the next 'ready'.
   */
  private resubscribe(subscriber: Redis): void {
    // One wait for the connection this one copies, however many channels (a listener each would
    // pass the emitter's limit).
    let mainReady: Promise<void> | undefined;
    // Dropped again before the main connection was ready (Redis flapping): this round is stale, and
    // the next 'ready' subscribes again and wakes the listeners after what was lost meanwhile.
    const round = this.closes;
    for (const [channel, entry] of this.channels) {
      if (!entry.confirmed || entry.live) continue;
      subscriber
        .subscribe(channel)
        // The waiters read on the connection this one copies, which may come back later (the
        // subscriber has no ready check): woken before it is, a connection that refuses commands
        // while down (fail-fast.ts) would fail their reads.
        .then(() => (mainReady ??= readyOf(this.redis)))
        .then(
          () => {
            if (
              this.channels.get(channel) !== entry ||
              this.subscriber !== subscriber ||
              this.closes !== round ||
              entry.live
            )
              return;
            entry.live = true;
            entry.lapsed = false;
            for (const listener of [...entry.listeners]) listener(undefined);
          },
          () => undefined,
        );
    }
  }

  /** Adds `listener` to `channel`, subscribing it when nobody did; returns the entry and how to stop. */
  private add(channel: string, listener: Listener): { entry: Subscription; stop: () => void } {
    let subscription = this.channels.get(channel);
    if (!subscription) {
      const created: Subscription = {
        listeners: new Set(),
        ready: Promise.resolve(),
        live: false,
        confirmed: false,
      };
      created.ready = this.connection()
        .subscribe(channel)
        .then(
          (count) => {
            if (this.channels.get(channel) === created) created.live = created.confirmed = true;
            return count;
          },
          (error: unknown) => {
            // A SUBSCRIBE that failed is not kept: the next waiter subscribes again.
            if (this.channels.get(channel) === created) this.channels.delete(channel);
            throw error;
          },
        );
      subscription = created;
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
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      entry.listeners.delete(listener);
      if (entry.listeners.size > 0 || this.channels.get(channel) !== entry || entry.idle) return;
      if (this.keepIdleMs <= 0) return unsubscribe();
      entry.idle = setTimeout(unsubscribe, this.keepIdleMs);
      entry.idle.unref();
    };
    return { entry, stop };
  }

  /**
   * Calls `listener` with every message on `channel` from when it resolves (and with `undefined`
   * when notices may have been lost to a reconnect: see the class); returns how to stop.
   */
  async listen(channel: string, listener: Listener): Promise<() => void> {
    const { entry, stop } = this.add(channel, listener);
    try {
      await entry.ready;
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  /**
   * Starts listening on `channel` for the notices `concerns` accepts, before what they announce is
   * caused: once it resolves, every such notice published reaches the watch (or, should the
   * connection drop, the watch is told that it may have missed one). Stop it when done
   * (`until` does once it answers).
   */
  async watch(channel: string, concerns: (message: string) => boolean = () => true): Promise<NoticeWatch> {
    // A connection that refuses commands while Redis is down (@gpux/platform's fail-fast.ts)
    // refuses a watch that would have to subscribe its channel too: the SUBSCRIBE would wait in
    // the subscriber's own queue for its reconnections, seconds, where the caller is to be told at
    // once (the gateway answers it UNAVAILABLE).
    if (!this.channels.has(channel) && this.redis.options.enableOfflineQueue === false)
      throw new Error(REDIS_DOWN_MESSAGE);
    // Heard: a notice that concerns the watch came (or may have been lost) and was not read for.
    let heard = false;
    let wake: (() => void) | undefined;
    const { entry, stop } = this.add(channel, (message) => {
      if (message !== undefined && !concerns(message)) return;
      heard = true;
      wake?.();
    });
    try {
      await entry.ready;
    } catch (error) {
      stop();
      throw error;
    }
    // Not live (the connection is down, or the channel not subscribed again yet): what was
    // published since the watch began may be lost, so its first read is not skipped.
    if (!entry.live) heard = true;
    return {
      stop,
      until: async <T>(probe: () => Promise<T | undefined>, timeoutMs: number, probeFirst = false) => {
        const deadline = Date.now() + timeoutMs;
        try {
          if (probeFirst) heard = true;
          for (;;) {
            let probed = false;
            if (heard) {
              heard = false;
              const found = await probe();
              if (found !== undefined) return found;
              // Heard during the read: read again, but not past the deadline (a channel whose every
              // notice concerns the watch would keep it reading): the last read is then below.
              if (heard && deadline > Date.now()) continue;
              probed = !heard;
            }
            const left = deadline - Date.now();
            if (left <= 0) return probed ? undefined : await probe();
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
      },
    };
  }

  /**
   * The first result of `probe` that is not undefined: probed once the channel is subscribed, then
   * after each notice `concerns` accepts (notices during a probe make one more probe, not one
   * each), after the channel is subscribed again following a reconnect, and a last time when
   * `timeoutMs` has passed; undefined if that one finds nothing either.
   */
  async waitFor<T>(
    channel: string,
    probe: () => Promise<T | undefined>,
    timeoutMs: number,
    concerns: (message: string) => boolean = () => true,
  ): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    const watch = await this.watch(channel, concerns);
    return watch.until(probe, deadline - Date.now(), true);
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    for (const entry of this.channels.values()) if (entry.idle) clearTimeout(entry.idle);
    this.channels.clear();
    await subscriber?.quit().catch(() => undefined);
  }
}
