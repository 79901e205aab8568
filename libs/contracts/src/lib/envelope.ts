import { z } from 'zod';

/**
 * The envelope of every message on the log (docs/architecture.md §3), carried as CloudEvents-style Kafka
 * headers (binary content mode) around a JSON body that holds only `data`.
 */
export interface Envelope<T = unknown> {
  /** Unique id of this message. */
  id: string;
  /** `<service>.<Name>`: imperative for commands (`settlement.Deposit`), past tense for events. */
  type: string;
  /** The service (or client) that wrote it. */
  source: string;
  /** The aggregate it is about; also the Kafka key, so one aggregate stays on one partition. */
  subject: string;
  /** ISO-8601 time it was written. */
  time: string;
  schemaVersion: number;
  /** The id of the first message of the conversation (a client's command), carried along. */
  correlationId: string;
  /** The id of the message that caused this one; null for a client's command. */
  causationId: string | null;
  /** Commands: the client's idempotency key. Outcome events: the key of their command. */
  idempotencyKey?: string;
  /** W3C trace context of the span that wrote it (CloudEvents distributed-tracing extension), when traced. */
  traceparent?: string;
  tracestate?: string;
  data: T;
}

/** A message as it crosses the wire, independent of any Kafka client. */
export interface WireMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

export const HEADERS = {
  specVersion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  subject: 'ce_subject',
  time: 'ce_time',
  schemaVersion: 'ce_schemaversion',
  correlationId: 'ce_correlationid',
  causationId: 'ce_causationid',
  idempotencyKey: 'ce_idempotencykey',
  // The CloudEvents distributed-tracing extension names these exactly so (binary mode: no prefix).
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  contentType: 'content-type',
} as const;

/** The envelope's fields as read from the headers: everything but the body. */
export type ParsedHeaders = Omit<Envelope, 'data' | 'causationId'> & { causationId?: string };

const TYPE = /^[a-z][a-z-]*\.[A-Z][A-Za-z]*$/;
const VERSION = /^[1-9]\d{0,3}$/;
// ISO-8601 with a zone, as Date.toISOString() writes it (fractions and offsets allowed).
/** W3C traceparent, version 00: `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`. */
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const TRACESTATE_MAX = 512;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Checks the envelope headers and returns them typed, or the first problem in words. Hand-written
 * rather than a schema: it runs for every message every consumer reads, and is most of the cost
 * of reading a message after Kafka's own decoding.
 */
export function parseHeaders(h: Record<string, string>): ParsedHeaders | string {
  const text = (name: string, optional = false): string | undefined => {
    const v = h[name];
    if (v === undefined) {
      if (optional) return undefined;
      throw `${name}: is required`;
    }
    if (v.length === 0 || v.length > 512) throw `${name}: must be 1 to 512 characters`;
    return v;
  };
  try {
    if (h[HEADERS.specVersion] !== '1.0') throw `${HEADERS.specVersion}: must be 1.0`;
    if (h[HEADERS.contentType] !== 'application/json')
      throw `${HEADERS.contentType}: must be application/json`;
    const type = text(HEADERS.type)!;
    if (!TYPE.test(type)) throw `${HEADERS.type}: must look like <service>.<Name>`;
    const version = text(HEADERS.schemaVersion)!;
    if (!VERSION.test(version)) throw `${HEADERS.schemaVersion}: must be a positive integer`;
    const time = text(HEADERS.time)!;
    if (!TIME.test(time) || Number.isNaN(Date.parse(time)))
      throw `${HEADERS.time}: must be an ISO-8601 time with a zone`;
    const causationId = text(HEADERS.causationId, true);
    const idempotencyKey = text(HEADERS.idempotencyKey, true);
    // Trace context is advisory: a malformed one is dropped (the message starts a new trace), never refused.
    const traceparent = h[HEADERS.traceparent];
    const traced = traceparent !== undefined && TRACEPARENT.test(traceparent);
    const tracestate = traced ? h[HEADERS.tracestate] : undefined;
    return {
      id: text(HEADERS.id)!,
      type,
      source: text(HEADERS.source)!,
      subject: text(HEADERS.subject)!,
      time,
      schemaVersion: Number(version),
      correlationId: text(HEADERS.correlationId)!,
      ...(causationId !== undefined ? { causationId } : {}),
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      ...(traced ? { traceparent } : {}),
      ...(tracestate !== undefined && tracestate.length <= TRACESTATE_MAX ? { tracestate } : {}),
    };
  } catch (problem) {
    if (typeof problem === 'string') return problem;
    throw problem;
  }
}

/** Integer minor units (micro-USD), never a float; safe in a JS number up to 2^53. */
export const minorUnits = z.number().int('must be an integer number of minor units').safe();
export const positiveMinorUnits = minorUnits.positive('must be greater than zero');
export const entityId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits and . _ : - only');
