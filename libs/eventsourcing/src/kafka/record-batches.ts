import type { Message } from 'kafkajs';

/*
 * What one produce request may carry to a partition. The broker refuses a record batch larger than
 * the topic's max.message.bytes (the broker's message.max.bytes, 1,048,588 bytes by default, for
 * every topic here but the snapshots) with MESSAGE_TOO_LARGE, an error kafkajs treats as final: a
 * partition worker whose backlog of commands made 2 MB of events failed that transaction on every
 * retry, and the service's command consumer stopped for good. kafkajs writes a send's messages for
 * one partition as one record batch, so a transaction that writes more is sent in several requests.
 */

/** The most bytes of records this library writes to one topic in one produce request. */
export const MAX_BATCH_BYTES = 1_000_000;

/** A record batch's own header (v2), before its records. */
const BATCH_OVERHEAD = 61;
/** The most bytes one record may take: a batch of it alone. */
export const MAX_RECORD_BYTES = MAX_BATCH_BYTES - BATCH_OVERHEAD;
/** Per record, at most: its length, attributes, timestamp and offset deltas, and the key's and value's lengths. */
const RECORD_OVERHEAD = 30;
/** Per header, at most: its name's and value's lengths. */
const HEADER_OVERHEAD = 10;

type Bytes = string | Buffer | null | undefined;
type TopicMessages = { topic: string; messages: Message[] };

const byteLength = (value: Bytes): number =>
  value == null ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;
/** An upper bound of byteLength, without reading the string: a UTF-16 unit is at most 3 bytes of UTF-8. */
const byteBound = (value: Bytes): number =>
  value == null ? 0 : typeof value === 'string' ? value.length * 3 : value.length;

function sized(message: Message, size: (value: Bytes) => number): number {
  let bytes = RECORD_OVERHEAD + size(message.key) + size(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    for (const one of Array.isArray(value) ? value : [value])
      bytes += HEADER_OVERHEAD + Buffer.byteLength(name) + size(one);
  }
  return bytes;
}

/** A record that no request can carry: its outcome is refused before anything is written. */
/**
 * The largest snapshot a snapshots topic takes (its `max.message.bytes`, set by provisioning). A
 * snapshot is sent compressed; its uncompressed size bounds that from above, so a snapshot within
 * it always fits, and one past it is left out rather than risk the broker refusing it, which would
 * abort the transaction's outcomes with it.
 */
export const SNAPSHOT_MAX_BYTES = 64 * 1024 * 1024;

/** Whether a snapshot's JSON is sure to fit its topic (SNAPSHOT_MAX_BYTES). */
export const snapshotFits = (value: string): boolean =>
  Buffer.byteLength(value) + BATCH_OVERHEAD <= SNAPSHOT_MAX_BYTES;

export class RecordTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    what = 'the record',
  ) {
    super(`${what} would be ${bytes} bytes, more than the ${MAX_RECORD_BYTES} one may take`);
    this.name = 'RecordTooLargeError';
  }
}

/** What a message takes in a record batch, at most: its key, value and headers with their length fields. */
export function recordBytes(message: Message): number {
  return sized(message, byteLength);
}

/**
 * Whether a message fits in a record batch on its own; one that does not can never be written
 * (the broker would refuse it however it is sent).
 */
export function fitsOneBatch(message: Message, maxBytes = MAX_BATCH_BYTES): boolean {
  const limit = maxBytes - BATCH_OVERHEAD;
  return sized(message, byteBound) <= limit || recordBytes(message) <= limit;
}

/** `message`, or a RecordTooLargeError naming `what` when it does not fit in a record batch. */
export function fittingOneBatch<M extends Message>(message: M, what?: string): M {
  if (fitsOneBatch(message)) return message;
  throw new RecordTooLargeError(recordBytes(message), what);
}

/**
 * The messages of a transaction as consecutive sends, each of which writes at most `maxBytes` of
 * records to any topic (so to any of its partitions), every topic's messages in their order. One
 * send when they fit, as nearly every transaction does: that is found from the strings' lengths,
 * without measuring them. A message larger than `maxBytes` by itself goes alone (and is refused:
 * `fitsOneBatch` is for keeping such a message out).
 */
export function withinBatchLimit(
  topicMessages: TopicMessages[],
  maxBytes = MAX_BATCH_BYTES,
): TopicMessages[][] {
  const limit = maxBytes - BATCH_OVERHEAD;
  const fits = ({ messages }: TopicMessages) =>
    messages.reduce((bytes, m) => bytes + sized(m, byteBound), 0) <= limit ||
    messages.reduce((bytes, m) => bytes + recordBytes(m), 0) <= limit;
  if (topicMessages.every(fits)) return topicMessages.length ? [topicMessages] : [];
  const sends: TopicMessages[][] = [];
  for (const { topic, messages } of topicMessages) {
    let run = 0;
    let bytes = 0;
    let current: Message[] = [];
    const flush = () => {
      if (!current.length) return;
      (sends[run] ??= []).push({ topic, messages: current });
      run++;
      current = [];
      bytes = 0;
    };
    for (const message of messages) {
      const size = recordBytes(message);
      if (current.length && bytes + size > limit) flush();
      current.push(message);
      bytes += size;
    }
    flush();
  }
  return sends;
}
