import { z } from 'zod';

/**
 * The envelope of every message on the log (DESIGN.md §3), carried as CloudEvents-style Kafka
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
  contentType: 'content-type',
} as const;

const text = z.string().min(1).max(512);
export const headerSchema = z.object({
  [HEADERS.specVersion]: z.literal('1.0'),
  [HEADERS.id]: text,
  [HEADERS.type]: z.string().regex(/^[a-z][a-z-]*\.[A-Z][A-Za-z]*$/, 'must look like <service>.<Name>'),
  [HEADERS.source]: text,
  [HEADERS.subject]: text,
  [HEADERS.time]: z.iso.datetime({ offset: true }),
  [HEADERS.schemaVersion]: z.string().regex(/^[1-9]\d{0,3}$/, 'must be a positive integer'),
  [HEADERS.correlationId]: text,
  [HEADERS.causationId]: text.optional(),
  [HEADERS.idempotencyKey]: text.optional(),
  [HEADERS.contentType]: z.literal('application/json'),
});

/** Integer minor units (micro-USD), never a float; safe in a JS number up to 2^53. */
export const minorUnits = z.number().int('must be an integer number of minor units').safe();
export const positiveMinorUnits = minorUnits.positive('must be greater than zero');
export const entityId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits and . _ : - only');
