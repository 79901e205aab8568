import type { GraphQLError } from 'graphql';
import { apiError } from './errors';

/**
 * What a pub/sub channel's messages are to a subscriber, which decides what may be dropped:
 * - `view`: each message says "the view changed" and the subscriber re-reads it (a market's book or
 *   ticker, a node): a newer view holds everything an older one did, so a slow subscriber may lose
 *   older ones, and one that missed messages is brought up to date by reading the view again.
 * - `events`: each message is an event of its own (a trade, an order's change): none may be lost
 *   unnoticed. A subscriber that misses one is ended with `missedEventsError`, to read what it
 *   missed and subscribe again.
 * The resolver that subscribes says which (RedisPubSub.iterate); a channel is a view unless it says.
 */
export type ChannelKind = 'view' | 'events';

/** Why an event subscription ended: it lost events (fell behind, or Redis was out of reach). */
export type MissedEvents = 'fell-behind' | 'disconnected';

/**
 * The error that ends a subscription to events that missed some. UNAVAILABLE (retry) because the
 * cure is a retry: read the current state (the market's trades, your orders), then subscribe again.
 */
export function missedEventsError(why: MissedEvents, behind?: string): GraphQLError {
  const cause =
    why === 'fell-behind'
      ? `this subscriber fell behind: ${behind ?? 'its events waited unsent'}`
      : 'the gateway lost its connection to Redis, and events published meanwhile were not received';
  return apiError(
    'UNAVAILABLE',
    `${cause}; events may be missing: read the current state again, then subscribe again`,
  );
}
