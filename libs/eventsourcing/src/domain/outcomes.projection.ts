import {
  CommandRejected,
  Envelope,
  fixedSegment,
  isRejectionCode,
  RejectionCode,
  redisKey,
} from '@gpux/contracts';
import type { EventOrigin, LogPosition, Projection, RedisOp } from './projection';

/** The recorded outcome of one command, as a client looks it up by its idempotency key. */
export interface CommandOutcome {
  status: 'accepted' | 'rejected';
  commandId: string;
  /** Rejections only. */
  code?: RejectionCode;
  message?: string;
  field?: string;
  /** UNPROCESSABLE: where the command was dead-lettered. */
  deadLetter?: string;
  /**
   * INSUFFICIENT_FUNDS: the available balance the refusal found, minor units (CommandRejected's);
   * absent from a rejection written before rejections carried it.
   */
  available?: number;
  /** Accepted: the types of the events it produced, in order. */
  eventTypes: string[];
  /** Where its last event sits: wait for a read model to reach it for read-your-writes. */
  position: LogPosition;
  /**
   * When it was recorded (its last event's time, ISO 8601): what a retry answered with it says
   * it first answered. Absent from an outcome folded before it was kept.
   */
  time?: string;
  /**
   * The fingerprint of the request it answers (the outcome events' FINGERPRINT_HEADER); absent
   * from an outcome folded before outcomes kept it. Another request's is not this request's outcome.
   */
  fingerprint?: string;
}

/**
 * Hash of a command's outcome. The idempotency key is the caller's (a clientOrderId inside it):
 * redisKey length-prefixes it, so no key's outcome hash is another key's events list.
 */
export function outcomeKey(service: string, idempotencyKey: string): string {
  return redisKey`${fixedSegment(service)}:outcomes:${idempotencyKey}`;
}

/** List of the event types an accepted command produced, in order. */
export function outcomeEventsKey(service: string, idempotencyKey: string): string {
  return redisKey`${fixedSegment(service)}:outcomes:${idempotencyKey}:events`;
}

/** Every outcome key of a service starts with it (the projection's keyPrefix). */
export function outcomesPrefix(service: string): string {
  return `${redisKey`${fixedSegment(service)}:outcomes`}:`;
}

/**
 * Pub/sub channel on which the outcomes projection announces each recorded outcome (the message is
 * the idempotency key), with the write itself: a sender waits on it instead of polling. A channel,
 * not a key, named under the projection's prefix like everything it writes.
 */
export function outcomesChannel(service: string): string {
  return `${outcomesPrefix(service)}recorded`;
}

/**
 * Every command's outcome by its idempotency key, from the outcome events (which carry the key).
 * One hash per command; an accepted command with several events appends each type.
 *
 * `keptMs`: how long after its event an outcome is kept (the service's idempotency window). The
 * partition remembers a key that long and answers a retry with nothing new, so the gateway answers
 * it from here; after it, a request with the key is a new request and must get its own outcome,
 * not the old one. Kept forever, every command ever sent stayed in Redis, and a key used again
 * after the window was answered with its first outcome while its new command ran.
 *
 * Each hash keeps the `fingerprint` of the request it answers (`origin.requestFingerprint`, from
 * the outcome events' header): a key bound anew after a flush (its binding gone, its outcome
 * refolded) is told a retry of that request from another request with the key by comparing it,
 * and the `time` it was recorded (its event's), which a retry answered with it is told.
 */
export function outcomesProjection(service: string, eventsTopic: string, keptMs?: number): Projection {
  return {
    name: `${service}.outcomes`,
    // 2: each outcome keeps its request's fingerprint. 3: and the time it was recorded.
    version: '3',
    topics: [eventsTopic],
    keyPrefix: outcomesPrefix(service),
    apply(event: Envelope, position?: LogPosition, origin?: EventOrigin): RedisOp[] {
      if (!event.idempotencyKey || !event.causationId || !position) return [];
      const key = outcomeKey(service, event.idempotencyKey);
      const until = keptMs === undefined ? NaN : Date.parse(event.time) + keptMs;
      const expire = (k: string): RedisOp[] =>
        Number.isSafeInteger(until) ? [{ op: 'pexpireat', key: k, at: until }] : [];
      const recorded: RedisOp = {
        op: 'publish',
        key: outcomesChannel(service),
        message: event.idempotencyKey,
        waiters: true,
      };
      const base: RedisOp[] = [
        { op: 'hset', key, field: 'commandId', value: event.causationId },
        {
          op: 'hset',
          key,
          field: 'position',
          value: `${position.topic}:${position.partition}:${position.offset}`,
        },
        ...(origin?.requestFingerprint
          ? [{ op: 'hset', key, field: 'fingerprint', value: origin.requestFingerprint } as const]
          : []),
        ...(Number.isFinite(Date.parse(event.time))
          ? [{ op: 'hset', key, field: 'time', value: new Date(event.time).toISOString() } as const]
          : []),
      ];
      if (event.type === `${service}.CommandRejected`) {
        const data = event.data as CommandRejected;
        return [
          ...base,
          { op: 'hset', key, field: 'status', value: 'rejected' },
          { op: 'hset', key, field: 'code', value: data.code },
          { op: 'hset', key, field: 'message', value: data.message },
          ...(data.field ? [{ op: 'hset', key, field: 'field', value: data.field } as const] : []),
          ...(data.deadLetter
            ? [{ op: 'hset', key, field: 'deadLetter', value: data.deadLetter } as const]
            : []),
          ...(typeof data.available === 'number'
            ? [{ op: 'hset', key, field: 'available', value: String(data.available) } as const]
            : []),
          ...expire(key),
          recorded,
        ];
      }
      const events = outcomeEventsKey(service, event.idempotencyKey);
      return [
        ...base,
        { op: 'hset', key, field: 'status', value: 'accepted' },
        { op: 'rpush', key: events, value: event.type },
        ...expire(key),
        ...expire(events),
        recorded,
      ];
    },
  };
}

/** Reads the hash written above back into a CommandOutcome; undefined while there is none. */
export function parseOutcome(hash: Record<string, string>, eventTypes: string[]): CommandOutcome | undefined {
  const { status, commandId, position, code, message, field, deadLetter, available, time, fingerprint } =
    hash;
  if ((status !== 'accepted' && status !== 'rejected') || !commandId || !position) return undefined;
  const m = /^(.*):(\d+):(\d+)$/.exec(position);
  if (!m) return undefined;
  return {
    status,
    commandId,
    ...(isRejectionCode(code) ? { code } : {}),
    ...(message ? { message } : {}),
    ...(field ? { field } : {}),
    ...(deadLetter ? { deadLetter } : {}),
    ...(available !== undefined && /^\d+$/.test(available) ? { available: Number(available) } : {}),
    eventTypes,
    position: { topic: m[1]!, partition: Number(m[2]), offset: m[3]! },
    ...(time ? { time } : {}),
    ...(fingerprint ? { fingerprint } : {}),
  };
}
