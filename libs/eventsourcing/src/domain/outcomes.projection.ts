import type { Envelope } from '@gpux/contracts';
import type { LogPosition, Projection, RedisOp } from './projection';

/** The recorded outcome of one command, as a client looks it up by its idempotency key. */
export interface CommandOutcome {
  status: 'accepted' | 'rejected';
  commandId: string;
  /** Rejections only. */
  code?: string;
  message?: string;
  field?: string;
  /** UNPROCESSABLE: where the command was dead-lettered. */
  deadLetter?: string;
  /** Accepted: the types of the events it produced, in order. */
  eventTypes: string[];
  /** Where its last event sits: wait for a read model to reach it for read-your-writes. */
  position: LogPosition;
}

export function outcomeKey(service: string, idempotencyKey: string): string {
  return `${service}:outcomes:${idempotencyKey}`;
}

/**
 * Every command's outcome by its idempotency key, from the outcome events (which carry the key).
 * One hash per command; an accepted command with several events appends each type.
 */
export function outcomesProjection(service: string, eventsTopic: string): Projection {
  return {
    name: `${service}.outcomes`,
    topics: [eventsTopic],
    keyPrefix: `${service}:outcomes:`,
    apply(event: Envelope, position?: LogPosition): RedisOp[] {
      if (!event.idempotencyKey || !event.causationId || !position) return [];
      const key = outcomeKey(service, event.idempotencyKey);
      const base: RedisOp[] = [
        { op: 'hset', key, field: 'commandId', value: event.causationId },
        {
          op: 'hset',
          key,
          field: 'position',
          value: `${position.topic}:${position.partition}:${position.offset}`,
        },
      ];
      if (event.type === `${service}.CommandRejected`) {
        const data = event.data as { code: string; message: string; field?: string; deadLetter?: string };
        return [
          ...base,
          { op: 'hset', key, field: 'status', value: 'rejected' },
          { op: 'hset', key, field: 'code', value: data.code },
          { op: 'hset', key, field: 'message', value: data.message },
          ...(data.field ? [{ op: 'hset', key, field: 'field', value: data.field } as const] : []),
          ...(data.deadLetter
            ? [{ op: 'hset', key, field: 'deadLetter', value: data.deadLetter } as const]
            : []),
        ];
      }
      return [
        ...base,
        { op: 'hset', key, field: 'status', value: 'accepted' },
        { op: 'rpush', key: `${key}:events`, value: event.type },
      ];
    },
  };
}

/** Reads the hash written above back into a CommandOutcome; undefined while there is none. */
export function parseOutcome(hash: Record<string, string>, eventTypes: string[]): CommandOutcome | undefined {
  const { status, commandId, position, code, message, field, deadLetter } = hash;
  if ((status !== 'accepted' && status !== 'rejected') || !commandId || !position) return undefined;
  const m = /^(.*):(\d+):(\d+)$/.exec(position);
  if (!m) return undefined;
  return {
    status,
    commandId,
    ...(code ? { code } : {}),
    ...(message ? { message } : {}),
    ...(field ? { field } : {}),
    ...(deadLetter ? { deadLetter } : {}),
    eventTypes,
    position: { topic: m[1]!, partition: Number(m[2]), offset: m[3]! },
  };
}
