import { z } from 'zod';
import { plainIssue } from './plain-issues';
import { Envelope, HEADERS, parseHeaders, WireMessage } from './envelope';

/** One version of one message type. Version n > 1 says how to read version n - 1 (its upcaster). */
export interface MessageVersion {
  version: number;
  schema: z.ZodType;
  /** Turns the data of version (this - 1), already valid for its own schema, into this version's. */
  upcast?: (previous: unknown) => unknown;
}

export interface MessageType<T, N extends string = string> {
  type: N;
  kind: 'command' | 'event';
  currentVersion: number;
  /** Compile-time only: the data type of the current version. */
  readonly _data?: T;
}

/** A message as a decider sees it, derived from its definition: `{ type: 'orders.X'; data: X }`. */
export type MessageOf<M> = M extends MessageType<infer D, infer N> ? { type: N; data: D } : never;

/** The data type of a message definition (its current version's). */
export type DataOf<M> = M extends MessageType<infer D, string> ? D : never;

/** An envelope of one message type, its data typed by the definition: `Envelope<X> & { type: 'orders.X' }`. */
export type EnvelopeOf<M> = M extends MessageType<infer D, infer N> ? Envelope<D> & { type: N } : never;

/**
 * Whether an envelope holds the message `message` defines, narrowing its `data` to that
 * message's type: `if (isMessage(event, OrdersEvents.tradeExecuted)) event.data.tradeId`.
 *
 * It compares the type only. That is sound for what a registry decoded (what projections and
 * process managers are given): `decode` has validated the data against that type's current
 * schema, upcasting older versions first, and refuses unknown types.
 */
export function isMessage<D, N extends string>(
  envelope: Envelope,
  message: MessageType<D, N>,
): envelope is Envelope<D> & { type: N } {
  return envelope.type === message.type;
}

/**
 * Whether an envelope holds any of `messages`, narrowing it to the union of their envelopes, so a
 * `switch (event.type)` narrows `data` case by case (same soundness as {@link isMessage}).
 */
export function isMessageOf<const M extends readonly MessageType<unknown>[]>(
  envelope: Envelope,
  messages: M,
): envelope is Envelope & EnvelopeOf<M[number]> {
  return messages.some((m) => m.type === envelope.type);
}

/** A command as a process manager emits it: the data is checked against the command's type. */
export interface CommandOf<D, N extends string = string> {
  type: N;
  subject: string;
  data: D;
}

/**
 * Builds a command to emit (`commandOf(OrdersCommands.recordNode, marketId, { ... })`) so that its
 * data is checked against the command's contract at compile time (and again by `encode` on the
 * way out). Refuses an event's definition: process managers emit commands only.
 */
export function commandOf<D, N extends string>(
  command: MessageType<D, N>,
  subject: string,
  data: NoInfer<D>,
): CommandOf<D, N> {
  if (command.kind !== 'command') throw new Error(`${command.type} is not a command`);
  return { type: command.type, subject, data };
}

/** Why a message could not be read or written: goes to the dead-letter topic as the reason. */
export class MessageValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessageValidationError';
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * Every message type and version a service reads or writes. Validates on encode (always the
 * current version) and on decode (the version in the headers, then upcast step by step to the
 * current one, then validated again).
 */
export class MessageRegistry {
  private readonly types = new Map<string, { kind: 'command' | 'event'; versions: MessageVersion[] }>();

  /** Defines a message type; its data type is the last (current) version's schema's. */
  define<N extends string, S extends z.ZodType>(
    type: N,
    kind: 'command' | 'event',
    versions: [...MessageVersion[], MessageVersion & { schema: S }],
  ): MessageType<z.infer<S>, N> {
    if (this.types.has(type)) throw new Error(`message type ${type} is defined twice`);
    const sorted = [...versions].sort((a, b) => a.version - b.version);
    sorted.forEach((v, i) => {
      if (v.version !== i + 1) throw new Error(`${type}: versions must be 1..n without gaps`);
      if (i > 0 && !v.upcast)
        throw new Error(`${type} v${v.version}: an upcaster from v${v.version - 1} is required`);
    });
    this.types.set(type, { kind, versions: sorted });
    return { type, kind, currentVersion: sorted.length };
  }

  /** Adds every type of another registry (a service reads other services' events too). */
  include(other: MessageRegistry): this {
    for (const [type, def] of other.types) {
      if (!this.types.has(type)) this.types.set(type, def);
    }
    return this;
  }

  has(type: string): boolean {
    return this.types.has(type);
  }

  kindOf(type: string): 'command' | 'event' | undefined {
    return this.types.get(type)?.kind;
  }

  /** The version every new message of this type is written as. */
  currentVersion(type: string): number {
    const def = this.types.get(type);
    if (!def) throw new MessageValidationError(`unknown message type ${type}`);
    return def.versions.length;
  }

  /** Validates the data against the current version and lays the envelope out for the wire. */
  encode(envelope: Envelope): WireMessage {
    const def = this.types.get(envelope.type);
    if (!def) throw new MessageValidationError(`unknown message type ${envelope.type}`);
    const current = def.versions[def.versions.length - 1]!;
    if (envelope.schemaVersion !== current.version) {
      throw new MessageValidationError(
        `${envelope.type} is written as v${current.version}, not v${envelope.schemaVersion}`,
      );
    }
    return encodeRaw({ ...envelope, data: this.validate(envelope.type, current, envelope.data) });
  }

  /**
   * The data as a message of the type carries it: validated against the current version, members
   * its schema does not name dropped. What `encode` writes and `decode` reads back, so what a
   * fingerprint of a request that a reader compares must be taken of.
   */
  currentData(type: string, data: unknown): unknown {
    const def = this.types.get(type);
    if (!def) throw new MessageValidationError(`unknown message type ${type}`);
    return this.validate(type, def.versions[def.versions.length - 1]!, data);
  }

  /** Reads a message of any known version as the current version. */
  decode(wire: WireMessage): Envelope {
    const h = parseHeaders(wire.headers);
    if (typeof h === 'string') throw new MessageValidationError(`headers are invalid: ${h}`);
    const type = h.type;
    const def = this.types.get(type);
    if (!def) throw new MessageValidationError(`unknown message type ${type}`);
    const version = h.schemaVersion;
    if (version > def.versions.length) {
      throw new MessageValidationError(
        `${type} v${version} is newer than this service knows (v${def.versions.length})`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(wire.value);
    } catch {
      throw new MessageValidationError(`${type} body is not JSON`);
    }
    let data = this.validate(type, def.versions[version - 1]!, body);
    for (let v = version + 1; v <= def.versions.length; v++) {
      const next = def.versions[v - 1]!;
      data = this.validate(type, next, next.upcast!(data));
    }
    return {
      id: h.id,
      type,
      source: h.source,
      subject: h.subject,
      time: h.time,
      schemaVersion: def.versions.length,
      correlationId: h.correlationId,
      causationId: h.causationId ?? null,
      ...(h.idempotencyKey ? { idempotencyKey: h.idempotencyKey } : {}),
      ...(h.traceparent ? { traceparent: h.traceparent } : {}),
      ...(h.tracestate ? { tracestate: h.tracestate } : {}),
      data,
    };
  }

  private validate(type: string, version: MessageVersion, data: unknown): unknown {
    const parsed = version.schema.safeParse(data, { error: plainIssue });
    if (!parsed.success)
      throw new MessageValidationError(
        `${type} v${version.version} data is invalid: ${describeIssues(parsed.error)}`,
      );
    return parsed.data;
  }
}

/**
 * Lays an envelope out as headers and body without validating it. For tests that must write
 * what a registry would refuse (old versions, malformed data), and for the registry itself.
 */
export function encodeRaw(envelope: Envelope): WireMessage {
  const headers: Record<string, string> = {
    [HEADERS.specVersion]: '1.0',
    [HEADERS.id]: envelope.id,
    [HEADERS.type]: envelope.type,
    [HEADERS.source]: envelope.source,
    [HEADERS.subject]: envelope.subject,
    [HEADERS.time]: envelope.time,
    [HEADERS.schemaVersion]: String(envelope.schemaVersion),
    [HEADERS.correlationId]: envelope.correlationId,
    [HEADERS.contentType]: 'application/json',
  };
  if (envelope.causationId) headers[HEADERS.causationId] = envelope.causationId;
  if (envelope.idempotencyKey) headers[HEADERS.idempotencyKey] = envelope.idempotencyKey;
  if (envelope.traceparent) {
    headers[HEADERS.traceparent] = envelope.traceparent;
    if (envelope.tracestate) headers[HEADERS.tracestate] = envelope.tracestate;
  }
  return { key: envelope.subject, value: JSON.stringify(envelope.data), headers };
}
