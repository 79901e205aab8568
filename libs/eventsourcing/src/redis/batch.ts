import { HEADERS, MessageRegistry, MessageValidationError } from '@gpux/contracts';
import type { KafkaMessage } from 'kafkajs';
import { FINGERPRINT_HEADER, requestFingerprintOf } from '../domain/fingerprint';
import type { Projection } from '../domain/projection';
import { fromKafka } from '../kafka/codec';
import type { ApplyRequest, BatchEvent } from './apply-script';

export interface InvalidMessage {
  offset: string;
  reason: string;
}

export interface PreparedBatch {
  /** Events with writes, in log order. Events without writes need no entry: the checkpoint covers them. */
  events: BatchEvent[];
  /** Events decoded and folded (with or without writes). */
  folded: number;
  /** Messages that failed decoding or validation: skipped, never blocking the partition. */
  invalid: InvalidMessage[];
  /** The library's own markers (`<service>.PartitionClaimed`): not events of the domain. */
  markers: number;
}

const MARKER_SUFFIX = '.PartitionClaimed';

function headerText(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.toString();
}

/**
 * Turns a fetched batch into the writes the projection makes: decode (upcasting old versions),
 * skip what cannot be read and the library's markers, fold the rest. Messages at or below
 * `afterOffset` (already applied) are left out. Pure apart from the projection itself.
 */
export function prepareBatch(
  projection: Projection,
  registry: MessageRegistry,
  topic: string,
  partition: number,
  messages: KafkaMessage[],
  afterOffset: number,
): PreparedBatch {
  const out: PreparedBatch = { events: [], folded: 0, invalid: [], markers: 0 };
  for (const message of messages) {
    const offset = Number(message.offset);
    if (offset <= afterOffset) continue;
    // Checked on the raw header, so a registry need not define every service's marker.
    if (headerText(message, HEADERS.type)?.endsWith(MARKER_SUFFIX)) {
      out.markers++;
      continue;
    }
    let envelope;
    try {
      envelope = registry.decode(fromKafka(message));
    } catch (error) {
      // Whatever decoding throws (validation, an upcaster's own error), the message is unreadable.
      const reason =
        error instanceof MessageValidationError ? error.message : `cannot decode: ${String(error)}`;
      out.invalid.push({ offset: message.offset, reason });
      continue;
    }
    out.folded++;
    const requestFingerprint = requestFingerprintOf(headerText(message, FINGERPRINT_HEADER));
    const ops = projection.apply(
      envelope,
      { topic, partition, offset: message.offset },
      requestFingerprint ? { requestFingerprint } : {},
    );
    if (ops.length > 0)
      out.events.push(
        envelope.causationId ? { offset, ops, command: envelope.causationId } : { offset, ops },
      );
  }
  return out;
}

/** Whether two events in a row were produced by one command (and so go in one script call). */
function sameCommand(a: BatchEvent | undefined, b: BatchEvent | undefined): boolean {
  return a?.command !== undefined && a.command === b?.command;
}

/**
 * A prepared batch as script calls of about `maxEventsPerCall` events each, in order; each
 * expects the checkpoint the one before leaves, and the last carries the batch's last offset.
 *
 * A call never ends inside one command's events: it runs on past the limit until that command's
 * last event. Its outcome and its read-model writes become visible together, so a caller who reads
 * the outcome and then the read model at the outcome's position sees all of the command, never an
 * order without the fills its command made.
 */
export function applyRequests(
  base: Omit<ApplyRequest, 'expectedCheckpoint' | 'lastOffset' | 'events'>,
  checkpoint: number,
  events: BatchEvent[],
  lastOffset: number,
  maxEventsPerCall: number,
): ApplyRequest[] {
  const chunks: BatchEvent[][] = [];
  let start = 0;
  while (start < events.length) {
    let end = Math.min(start + maxEventsPerCall, events.length);
    while (end < events.length && sameCommand(events[end - 1], events[end])) end++;
    chunks.push(events.slice(start, end));
    start = end;
  }
  if (chunks.length === 0) chunks.push([]);
  let expected = checkpoint;
  return chunks.map((chunk, i) => {
    const last = i === chunks.length - 1 ? lastOffset : (chunk[chunk.length - 1]?.offset ?? lastOffset);
    const request: ApplyRequest = { ...base, expectedCheckpoint: expected, lastOffset: last, events: chunk };
    expected = last;
    return request;
  });
}

/**
 * Where the events of the command that produced the event at `offset` begin in the call: the
 * offset of its first event there (the event's own when it is its command's first). What comes
 * from there on is held while the event waits for its cause, so that no part of a command is
 * visible before the rest of it.
 */
export function commandStart(request: ApplyRequest, offset: number): number {
  const events = request.events;
  let i = events.findIndex((e) => e.offset === offset);
  if (i < 0) return offset;
  while (i > 0 && sameCommand(events[i - 1], events[i])) i--;
  return events[i]?.offset ?? offset;
}

/**
 * The part of a script call before the event at `offset`, which waits for its cause (the script
 * answered `waiting`): its events before that one, ending at `offset - 1`. Undefined when the
 * waiting event is the first above the checkpoint (nothing to apply before it).
 */
export function requestBefore(request: ApplyRequest, offset: number): ApplyRequest | undefined {
  if (offset - 1 <= request.expectedCheckpoint) return undefined;
  return { ...request, lastOffset: offset - 1, events: request.events.filter((e) => e.offset < offset) };
}

/** The events with the event at `offset` no longer waiting for its cause (see CausalWaits). */
export function withoutRequirements(events: BatchEvent[], offset: number): BatchEvent[] {
  return events.map((e) => (e.offset === offset ? withoutCause(e) : e));
}

/**
 * The events with those below `end` (history: the log's end when a refold began) no longer
 * waiting for their causes: a model not read before it is folded to the end has every such cause
 * by then, since a cause is in the log before its effect (APPLY_LUA does the same for a refold
 * after a reset, from its rebuilding marker; generation-build.ts for a new generation).
 */
export function historyWithoutRequirements(events: BatchEvent[], end: number): BatchEvent[] {
  return events.some((e) => e.offset < end && e.ops.some((o) => o.op === 'requires'))
    ? events.map((e) => (e.offset < end ? withoutCause(e) : e))
    : events;
}

function withoutCause(event: BatchEvent): BatchEvent {
  const ops = event.ops.filter((o) => o.op !== 'requires');
  return ops.length === event.ops.length ? event : { ...event, ops };
}
