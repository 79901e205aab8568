import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import type Redis from 'ioredis';
import { readyOf } from '@gpux/eventsourcing';
import { RedisClient } from '@gpux/platform';
import { type ChannelKind, missedEventsError, type MissedEvents } from './channel-kinds';
import { apiError } from './errors';
import { LastSent, nameEntity } from './last-sent';

/** A subscriber's iterator on a channel: how it maps a message, and where the mapped view goes. */
interface Listener {
  map: (message: string) => Promise<unknown>;
  deliver: (view: Promise<unknown>) => void;
  /**
   * An event channel's listener owed a first view: reads it (the listener's own, as its arguments
   * say), and hands it on ahead of every message.
   */
  first?: () => void;
  /** Messages were lost for it (Redis out of reach): called on event channels only, whose subscribers end. */
  missed: () => void;
}

interface Channel {
  kind: ChannelKind;
  listeners: Set<Listener>;
  /** Whether Redis has confirmed the channel's SUBSCRIBE: a notice published from then on reaches it. */
  live: boolean;
  /**
   * Listeners of a view channel still owed their first view (iterate's `snapshot`): read once for
   * all of them, after they joined and once the channel is live (firstViews), unless a notice's
   * read, which starts later still, reaches them first (dispatch).
   */
  owed: Set<Listener>;
  /** Whether a firstViews read is already queued for `owed`. */
  reading: boolean;
}

/**
 * What a view channel's maps are handed to re-read the view when its messages were lost (Redis
 * out of reach): a view's map reads the view whatever the message says.
 */
export const REFRESH_MESSAGE = '';

/**
 * What a map (or an event channel's `first`) gives for a message that ends the stream without
 * being sent itself (a closed market's trades: no trade can follow the close): the iterator ends
 * after the items before it, and graphql-ws completes the operation.
 */
export const END_OF_STREAM: unique symbol = Symbol('end of stream');

const logger = new Logger('pubsub');

/**
 * Subscriptions are fed by the projections' Redis pub/sub notices (docs/architecture.md §4), never by polling:
 * one subscriber connection per gateway, a channel subscribed while anyone listens to it.
 *
 * A message is mapped once, however many listen on its channel: every subscription on a channel
 * maps it the same way (what it reads depends on the channel and the message only: a market's
 * book, a node, an order), so the first listener's view is every listener's. Before, each
 * subscriber read the read model again: a market's book watched by a thousand clients was read a
 * thousand times per change.
 *
 * Notices published while the subscriber connection is down are lost. When it is back, every
 * channel with listeners is subscribed again (ioredis resubscribes only the channels Redis had
 * confirmed, not one whose SUBSCRIBE failed while it was down), then each view channel is re-read
 * for its listeners and each event subscriber is ended (channel-kinds.ts).
 *
 * A view subscription with iterate's `snapshot` (a market's book or ticker, a node) sends the
 * view as it stands first, read once the channel's SUBSCRIBE is confirmed, then every change: a
 * client learns the state from the subscription itself, with nothing lost between a read of its
 * own and the subscription's start, which it cannot see.
 */
@Injectable()
export class RedisPubSub implements OnApplicationShutdown {
  private subscriber: Redis | undefined;
  private readonly channels = new Map<string, Channel>();
  /** Whether the subscriber connection has been ready, so a 'close' may have lost notices. */
  private wasReady = false;
  /** Notices may have been lost since the connection was last ready: re-read on the next 'ready'. */
  private missed = false;
  /** A failed SUBSCRIBE is logged once until the connection is ready again. */
  private warned = false;

  constructor(private readonly redis: RedisClient) {}

  private connection(): Redis {
    if (!this.subscriber) {
      // A subscriber connection: no ready check (its INFO, sent after a SUBSCRIBE that went out
      // while connecting, fails in subscriber mode), and an error listener (ioredis reports
      // connection errors as 'error' events, which unhandled would end the process; it reconnects
      // and resubscribes by itself). Its offline queue on, whatever the connection it copies has
      // now (the gateway's is off while Redis is down: @gpux/platform's fail-fast.ts), so a
      // SUBSCRIBE sent while it connects waits for it.
      const subscriber = this.redis.redis.duplicate({ enableReadyCheck: false, enableOfflineQueue: true });
      this.subscriber = subscriber;
      subscriber.on('error', () => undefined);
      subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
      subscriber.on('close', () => {
        if (this.wasReady) this.missed = true;
      });
      subscriber.on('ready', () => {
        this.wasReady = true;
        this.warned = false;
        void this.resubscribe(subscriber);
      });
    }
    return this.subscriber;
  }

  /**
   * Hands `message` mapped once to every listener of `channel`. On a view channel the read starts
   * now, after every listener joined and while the channel is subscribed (the notice came through
   * it): it is as good a first view as firstViews' would be, so those owed one are owed none.
   */
  private dispatch(channel: string, message: string): void {
    const entry = this.channels.get(channel);
    if (!entry) return;
    let view: Promise<unknown> | undefined;
    for (const listener of entry.listeners) {
      view ??= Promise.resolve(message)
        .then(listener.map)
        .catch(() => null);
      listener.deliver(view);
    }
    if (entry.kind === 'view') entry.owed.clear();
  }

  /**
   * The channel's SUBSCRIBE is confirmed: notices published from now on reach its listeners, so a
   * first view read from now on cannot miss a change. Reads it once for every listener owed one.
   */
  private subscribed(channel: string, entry: Channel): void {
    if (this.channels.get(channel) !== entry) return; // let go of meanwhile
    entry.live = true;
    this.firstViews(channel, entry);
  }

  /**
   * The current view, read once (with REFRESH_MESSAGE, as after Redis was out of reach) for every
   * listener owed one, and handed to those only: one read for all that joined before it starts,
   * and the channel's other listeners are sent nothing for it. The read starts after they joined
   * and after the channel was live, and is queued before the reads of notices that come after it,
   * which each listener is handed in the order they started: so a change is either in the first
   * view or in a notice's read after it, and never is an older view sent after a newer one. (The
   * views carry no version to compare: reads are ordered by when they start, on one connection to
   * Redis, each after the change its notice announces, as the notices' reads always were.)
   */
  private firstViews(channel: string, entry: Channel): void {
    if (!entry.live || entry.reading || entry.owed.size === 0) return;
    entry.reading = true;
    queueMicrotask(() => {
      entry.reading = false;
      const owed = [...entry.owed];
      entry.owed.clear();
      const [first] = owed;
      if (!first || this.channels.get(channel) !== entry) return;
      if (entry.kind === 'events') {
        for (const listener of owed) listener.first?.();
        return;
      }
      // A read that fails ends each subscription with an error that says so (firstViewFailed).
      const view = Promise.resolve(REFRESH_MESSAGE)
        .then(first.map)
        .catch((error: unknown) => Promise.reject(firstViewFailed(error)));
      view.catch(() => undefined); // each listener awaits it in turn: handled meanwhile
      for (const listener of owed) listener.deliver(view);
    });
  }

  /** After a (re)connect: every channel with listeners subscribed again; and if notices were lost, re-read. */
  private async resubscribe(subscriber: Redis): Promise<void> {
    const missed = this.missed;
    this.missed = false;
    const channels = [...this.channels.keys()];
    if (channels.length === 0) return;
    try {
      // Idempotent: a channel subscribed already stays so.
      await subscriber.subscribe(...channels);
    } catch (error) {
      this.subscribeFailed(error);
      return;
    }
    // The reads are on the connection this one copies, which may come back later (this one has no
    // ready check): before it is, a connection that refuses commands while down (@gpux/platform's
    // fail-fast.ts) would fail them, and the views lost meanwhile would not be read again.
    await readyOf(this.redis.redis);
    // Read after the SUBSCRIBE took, so that no notice falls between the read and the subscription.
    for (const channel of channels) {
      const entry = this.channels.get(channel);
      if (!entry) continue;
      entry.live = true;
      if (!missed) this.firstViews(channel, entry);
      else if (entry.kind === 'view') this.dispatch(channel, REFRESH_MESSAGE);
      else for (const listener of [...entry.listeners]) listener.missed();
    }
  }

  private subscribeFailed(error: unknown): void {
    // Notices on the channel are lost until the connection is ready again, which subscribes it.
    this.missed = true;
    if (this.warned) return;
    this.warned = true;
    logger.warn({
      msg: 'a subscription channel could not be subscribed (Redis out of reach): it will be once Redis is back',
      error: error instanceof Error ? error.message : String(error),
    });
  }

  /** How many iterators listen on `channel` now (what a socket left running shows here). */
  listening(channel: string): number {
    return this.channels.get(channel)?.listeners.size ?? 0;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }

  /**
   * An async iterator of what `map` makes of each message on the channel (null skips it); ends when
   * the client unsubscribes. A slow client keeps at most `buffer` items on a view channel: past it
   * the oldest is dropped (a newer view holds all it did). On an event channel (`kind: 'events'`:
   * trades, your orders; channel-kinds.ts) nothing is dropped: past `buffer` items, a client whose
   * oldest item has waited unsent `stallMs` or more, or that holds `maxQueued`, has fallen behind,
   * and the iterator ends, after the items it holds, with an UNAVAILABLE error saying so. A burst
   * (one order's hundreds of trades, which Redis delivers in one tick, before any can be sent) is
   * not a slow client: a client that reads on drains it well within `stallMs`. Before, 100 queued
   * items ended it, and a taker's order of 136 fills ended every trades subscriber, however fast.
   * `map` must depend on the channel and the message only: one
   * listener's view of a message is every listener's (see the class). On a view channel `map` is
   * also handed REFRESH_MESSAGE, to read the view again after Redis was out of reach.
   *
   * It never yields a view identical to the last one it yielded for the same entity (last-sent.ts):
   * `entity` names a view's entity (an order's id, a trade's); by default the channel has one (a
   * market's book, a node). The view is named with it (nameEntity), so that what a watcher is sent
   * for it, the fields it selected, is compared under that entity too (shared-subscriptions.ts).
   *
   * With `snapshot` (a view channel only: a market's book, its ticker, a node), the first item is
   * the view as it stands once the subscription is live: `map(REFRESH_MESSAGE)` read after Redis confirmed
   * the channel's SUBSCRIBE (or a notice's read, if one comes first), then every change. Nothing
   * is lost between the two, and the first view never comes after a newer one (firstViews). A
   * client need not read the view itself and merge; the channel's other listeners are sent
   * nothing for it.
   *
   * With `first` (an event channel: your orders, a market's trades), the first items are what
   * `first` reads, for this listener alone, once the channel is live (your live orders, the trades
   * after the one the client holds), then every message; none is sent before them. With `version`
   * (a view's stream and where it stands in it: an order's id and version, a market's trades and a
   * trade's sequence), a view at or below the last one sent of its stream is not sent: a change
   * read in the first view and announced by a message too, or a message read before the first
   * view, is sent once, never after a newer state. So nothing is lost between the two (every change
   * after the channel is live has a message; every one before `first` read is in what it read),
   * nothing is sent twice, and each stream only moves forward.
   *
   * A first view whose read fails (Redis out of reach, a model being rebuilt, data it cannot make
   * sense of) ends the subscription with an error that says so (firstViewFailed), never silently.
   *
   * With `last` (a view the stream ends with: a closed market's book at rest), the iterator ends
   * once it yields a view `last` is true of, letting go of the channel: graphql-ws then completes
   * the operation, and its slot on the socket is free. Were that view what it sent last, it is not
   * sent again: the iterator ends at once. A map (or `first`) that gives END_OF_STREAM ends it the
   * same way, with nothing sent for it.
   */
  iterate<T>(
    channel: string,
    map: (message: string) => Promise<T | typeof END_OF_STREAM | null>,
    {
      kind = 'view',
      buffer = 100,
      stallMs = 5_000,
      maxQueued = 10_000,
      entity = () => '',
      snapshot = false,
      first,
      version,
      last,
    }: {
      kind?: ChannelKind;
      last?: (view: T) => boolean;
      snapshot?: boolean;
      first?: () => Promise<(T | typeof END_OF_STREAM)[]>;
      version?: (view: T) => readonly [string, number];
      buffer?: number;
      stallMs?: number;
      maxQueued?: number;
      entity?: (view: T) => string;
    } = {},
  ): AsyncIterableIterator<T> {
    const queue: Promise<T | typeof END_OF_STREAM | null>[] = [];
    /** When each queued item came (ms), in step with `queue`. */
    const queuedAt: number[] = [];
    const lastSent = new LastSent();
    /** The version last sent of each stream (`version`), the least recently sent forgotten first. */
    const versions = new Map<string, number>();
    let wake: (() => void) | undefined;
    let done = false;
    /** Why the iterator ends once its queue is drained, if it does. */
    let failure: GraphQLError | undefined;
    let entry = this.channels.get(channel);
    if (!entry) {
      const created: Channel = { kind, listeners: new Set(), live: false, owed: new Set(), reading: false };
      entry = created;
      this.channels.set(channel, created);
      this.connection()
        .subscribe(channel)
        .then(
          () => this.subscribed(channel, created),
          (error: unknown) => this.subscribeFailed(error),
        );
    }
    // The channel's kind is its first subscriber's: every resolver of a channel says the same.
    const current = entry;
    const { kind: kept, listeners, owed } = current;
    /** An event channel's first view: nothing is sent before it (see `first`). */
    let firstView: Promise<(T | typeof END_OF_STREAM)[]> | undefined;
    let awaitingFirst = kept === 'events' && first !== undefined;
    /** The first view's items, to send before any message. */
    const ready: (T | typeof END_OF_STREAM)[] = [];
    const stop = () => {
      owed.delete(listener);
      if (!listeners.delete(listener)) return;
      if (listeners.size === 0 && this.channels.get(channel)?.listeners === listeners) {
        this.channels.delete(channel);
        void this.subscriber?.unsubscribe(channel).catch(() => undefined);
      }
    };
    const fail = (why: MissedEvents, behind?: string) => {
      failure ??= missedEventsError(why, behind);
      stop();
      wake?.();
    };
    /** A first view that could not be read ends the subscription at once, with what it holds dropped. */
    const failFirst = (error: unknown) => {
      failure = firstViewFailed(error);
      queue.length = queuedAt.length = ready.length = 0;
      stop();
    };
    /** Whether `view` is at or below the version last sent of its stream (`version`). */
    const stale = (view: T): boolean => {
      if (!version) return false;
      const [stream, n] = version(view);
      const last = versions.get(stream);
      if (last !== undefined && n <= last) return true;
      versions.delete(stream);
      versions.set(stream, n);
      if (versions.size > MAX_VERSIONS) versions.delete(versions.keys().next().value as string);
      return false;
    };
    const listener: Listener = {
      map,
      deliver: (view) => {
        const now = Date.now();
        if (queue.length >= buffer) {
          if (kept !== 'events') {
            queue.shift();
            queuedAt.shift();
          } else {
            const waited = now - queuedAt[0]!;
            if (waited >= stallMs || queue.length >= maxQueued)
              return fail(
                'fell-behind',
                `${queue.length} events waited unsent, the oldest for ${waited} ms (at most ${maxQueued}, or ${buffer} for ${stallMs} ms)`,
              );
          }
        }
        queue.push(view as Promise<T | typeof END_OF_STREAM | null>);
        queuedAt.push(now);
        wake?.();
      },
      missed: () => fail('disconnected'),
      ...(first && {
        first: () => {
          firstView = Promise.resolve().then(first);
          firstView.catch(() => undefined); // awaited by next(); unhandled until then
          awaitingFirst = false;
          wake?.();
        },
      }),
    };
    listeners.add(listener);
    if ((snapshot && kept === 'view') || awaitingFirst) {
      owed.add(listener);
      this.firstViews(channel, current);
    }
    const iterator: AsyncIterableIterator<T> = {
      [Symbol.asyncIterator]: () => iterator,
      async next(): Promise<IteratorResult<T>> {
        for (;;) {
          if (done) return { done: true, value: undefined };
          if (firstView) {
            const reading = firstView;
            firstView = undefined;
            try {
              const items = await reading;
              // A first view that ends the stream ends it after the messages that came while it was
              // read, too: they are after the channel was live (a stream's last item before its end,
              // which the read came too late to hold); those it does hold are stale (`version`).
              const ends = items.at(-1) === END_OF_STREAM;
              ready.push(...(ends ? items.slice(0, -1) : items));
              if (ends) {
                queue.push(Promise.resolve(END_OF_STREAM));
                queuedAt.push(Date.now());
              }
            } catch (error) {
              failFirst(error);
            }
            continue;
          }
          let value: T | typeof END_OF_STREAM | null | undefined = ready.shift();
          const item = value === undefined && !awaitingFirst ? queue.shift() : undefined;
          if (item) {
            queuedAt.shift();
            try {
              value = await item;
            } catch (error) {
              // A view channel's first view (firstViews); a notice's read is never rejected.
              failFirst(error);
              continue;
            }
          }
          if (value === END_OF_STREAM) {
            done = true;
            stop();
            return { done: true, value: undefined };
          }
          if (value !== undefined) {
            if (value === null || stale(value)) continue;
            const ends = last?.(value) ?? false;
            if (ends) {
              done = true;
              stop();
            }
            const name = entity(value);
            if (lastSent.repeats(name, value)) {
              if (ends) return { done: true, value: undefined };
              continue;
            }
            nameEntity(value, name);
            return { done: false, value };
          }
          if (failure) {
            done = true;
            throw failure;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      },
      async return(): Promise<IteratorResult<T>> {
        done = true;
        stop();
        wake?.();
        return { done: true, value: undefined };
      },
    };
    return iterator;
  }
}

/** How many streams an iterator remembers the version last sent of (`version`). */
const MAX_VERSIONS = 10_000;

/**
 * Why a subscription ends whose first view could not be read (Redis out of reach, a model being
 * rebuilt, data it could not make sense of): its own error when it has a code (an argument
 * refused once the view is read), else UNAVAILABLE, to subscribe again. Skipped, as it was, the
 * client waited for the next change with nothing, not knowing what it held.
 */
export function firstViewFailed(error: unknown): GraphQLError {
  if (error instanceof GraphQLError && typeof error.extensions['code'] === 'string') return error;
  return apiError(
    'UNAVAILABLE',
    `the subscription's first message, the state as it stands, could not be read (${error instanceof Error ? error.message : String(error)}): subscribe again`,
  );
}
