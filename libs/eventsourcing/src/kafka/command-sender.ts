import { randomUUID } from 'node:crypto';
import { EventSourcedService, MessageRegistry, topic, WireMessage } from '@gpux/contracts';
import { context } from '@opentelemetry/api';
import { traceHeadersOf } from '@gpux/platform';
import type Redis from 'ioredis';
import { Kafka, Message, Partitioners, Producer } from 'kafkajs';
import { reservationKey } from '../redis/keys';
import { fingerprint } from '../domain/fingerprint';
import { fitBytes, groupCommit } from '../domain/group-commit';
import {
  CommandOutcome,
  outcomeEventsKey,
  outcomeKey,
  outcomesChannel,
  parseOutcome,
} from '../domain/outcomes.projection';
import { RedisNotices } from '../redis/notices';
import { toKafka } from './codec';

export interface OutgoingCommand {
  type: string;
  /** The aggregate: the Kafka key, so all of its commands meet one writer in order. */
  subject: string;
  data: unknown;
  /** The client's key; a repeat returns the first outcome. Generated when absent. */
  idempotencyKey?: string;
  correlationId?: string;
  /** The command's id, when the caller chose it (to log with it before it is sent); else generated. */
  id?: string;
}

const DEFAULT_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The fingerprint a key was first used with, set once for the window (returns the one that stands). */
const RESERVE = `local first = redis.call('GET', KEYS[1])
if first then return first end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]`;

/** The key was already used for a different request: nothing was sent. */
export class IdempotencyKeyReusedError extends Error {
  constructor(readonly idempotencyKey: string) {
    super('this idempotency key was already used for a different request; use a new key for a new request');
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** No outcome within the time allowed: the command may still be decided; look it up by its key. */
export class CommandTimeoutError extends Error {
  constructor(
    readonly idempotencyKey: string,
    timeoutMs: number,
  ) {
    super(
      `no outcome within ${timeoutMs} ms; the command may still complete: look it up by its idempotency key ${idempotencyKey}`,
    );
    this.name = 'CommandTimeoutError';
  }
}

/** A command waiting in the send queue for its request. */
interface Queued {
  message: Message;
  /** Its key, value and headers, in bytes (near enough to what it takes in a record batch). */
  bytes: number;
  at: number;
  done: (error?: unknown) => void;
}

/** Defaults of the send queue: a request carries at most this many commands (and 512 KiB)... */
export const DEFAULT_SEND_BATCH = 500;
/** ...and a command waits for company only while the previous request is in flight (no linger). */
export const DEFAULT_SEND_LINGER_MS = 0;
/** A request stays well under the broker's default message.max.bytes (1 MiB) per record batch. */
const MAX_SEND_BYTES = 512 * 1024;

function sizeOf(wire: WireMessage): number {
  let bytes = Buffer.byteLength(wire.key) + Buffer.byteLength(wire.value);
  for (const [name, value] of Object.entries(wire.headers)) bytes += name.length + Buffer.byteLength(value);
  return bytes;
}

/**
 * Sends a command to its service's commands topic and waits for its recorded outcome in the
 * outcomes read model (Redis), so a caller gets what happened, not just "sent".
 *
 * Sends are group-committed (`groupCommit`): one produce request at a time, carrying every command
 * queued meanwhile (up to `sendBatch`; with `sendLingerMs` a partial batch waits that long for
 * more). A lone command goes out at once; under load one request carries many.
 */
export class CommandSender {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private readonly queue: Queued[] = [];
  private sending = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly notices: RedisNotices;
  private readonly ownNotices: boolean;

  constructor(
    private readonly kafka: Kafka,
    private readonly redis: Redis,
    private readonly registry: MessageRegistry,
    private readonly options: {
      service: EventSourcedService;
      source: string;
      namespace?: string;
      /** How long a key stays bound to the request it was first used for (default 24 h). */
      idempotencyWindowMs?: number;
      /** Where outcomes are announced; shared by a process's senders (one is made when absent). */
      notices?: RedisNotices;
      /** The most commands in one produce request (default 500). */
      sendBatch?: number;
      /** How long a partial batch waits for more, in ms (default 0: only what queued meanwhile). */
      sendLingerMs?: number;
    },
  ) {
    this.ownNotices = !options.notices;
    this.notices = options.notices ?? new RedisNotices(redis);
  }

  private async connected(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      this.producer = producer;
      return producer;
    })();
    return this.connecting;
  }

  /** Writes the command (validated against its schema) and returns its idempotency key. */
  async dispatch(command: OutgoingCommand): Promise<string> {
    return this.write(this.encode(command));
  }

  /** The command on the wire, validated against its schema (throws MessageValidationError). */
  private encode(command: OutgoingCommand): { wire: WireMessage; idempotencyKey: string } {
    const id = command.id ?? randomUUID();
    const idempotencyKey = command.idempotencyKey ?? id;
    const wire = this.registry.encode({
      id,
      type: command.type,
      source: this.options.source,
      subject: command.subject,
      time: new Date().toISOString(),
      schemaVersion: this.registry.currentVersion(command.type),
      correlationId: command.correlationId ?? id,
      causationId: null,
      idempotencyKey,
      // The caller's active span (none while tracing is off) is the parent of the command's decision.
      ...traceHeadersOf(context.active()),
      data: command.data,
    });
    return { wire, idempotencyKey };
  }

  private async write({
    wire,
    idempotencyKey,
  }: {
    wire: WireMessage;
    idempotencyKey: string;
  }): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.queue.push({
        message: toKafka(wire),
        bytes: sizeOf(wire),
        at: Date.now(),
        done: (error) => (error === undefined ? resolve() : reject(error)),
      });
      this.pump();
    });
    return idempotencyKey;
  }

  /** Starts the next produce request when `groupCommit` says so; runs again when one ends. */
  private pump(): void {
    const decision = groupCommit(
      {
        queued: this.queue.length,
        inFlight: this.sending,
        oldestWaitedMs: this.queue.length ? Date.now() - this.queue[0]!.at : 0,
      },
      {
        maxBatch: this.options.sendBatch ?? DEFAULT_SEND_BATCH,
        lingerMs: this.options.sendLingerMs ?? DEFAULT_SEND_LINGER_MS,
      },
    );
    if (decision === 'idle') return;
    if ('waitMs' in decision) {
      this.lingerTimer ??= setTimeout(() => {
        this.lingerTimer = undefined;
        this.pump();
      }, decision.waitMs);
      return;
    }
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    const count = fitBytes(
      this.queue.slice(0, decision.write).map((q) => q.bytes),
      decision.write,
      MAX_SEND_BYTES,
    );
    const batch = this.queue.splice(0, count);
    this.sending = true;
    void this.connected()
      .then((producer) =>
        producer.send({
          topic: topic(this.options.service, 'commands', this.options.namespace).name,
          messages: batch.map((q) => q.message),
        }),
      )
      .then(
        () => batch.forEach((q) => q.done()),
        (error: unknown) => batch.forEach((q) => q.done(error ?? new Error('send failed'))),
      )
      .finally(() => {
        this.sending = false;
        this.pump();
      });
  }

  /** The outcome recorded for a key, if any. */
  async outcome(idempotencyKey: string): Promise<CommandOutcome | undefined> {
    const { service } = this.options;
    const [hash, events] = await Promise.all([
      this.redis.hgetall(outcomeKey(service, idempotencyKey)),
      this.redis.lrange(outcomeEventsKey(service, idempotencyKey), 0, -1),
    ]);
    return parseOutcome(hash, events);
  }

  /**
   * Waits for the outcome of a dispatched command: the outcomes projection announces each key it
   * records on the service's outcomes channel, so this reads the outcome once subscribed, again
   * when its key is announced, and a last time at the deadline (no polling).
   */
  async awaitOutcome(idempotencyKey: string, timeoutMs: number): Promise<CommandOutcome> {
    const outcome = await this.notices.waitFor(
      outcomesChannel(this.options.service),
      () => this.outcome(idempotencyKey),
      timeoutMs,
      (announced) => announced === idempotencyKey,
    );
    if (!outcome) throw new CommandTimeoutError(idempotencyKey, timeoutMs);
    return outcome;
  }

  /**
   * Binds a client's key to its request (by fingerprint) for the window, whichever partition the
   * request goes to: the same request again is a retry, another one is refused before it is sent.
   * The partition worker checks the same within its partition from the log (crash-safe); this
   * check spans partitions (a key reused for another account) and holds while Redis keeps it.
   */
  async reserve(command: OutgoingCommand): Promise<void> {
    if (!command.idempotencyKey) return;
    const fp = fingerprint(command);
    // Outside every read model's prefix: a reset or a rebuild leaves it; a FLUSHALL forgets it
    // (the partition still checks). Before, it was `<service>:idempotency:…`, inside the service's
    // model prefix, and a reset deleted it: a reservation of then is not found, which costs
    // nothing the partition's own check does not catch.
    const key = reservationKey(this.options.service, command.idempotencyKey);
    const first = await this.redis.eval(
      RESERVE,
      1,
      key,
      fp,
      String(this.options.idempotencyWindowMs ?? DEFAULT_WINDOW_MS),
    );
    if (first !== fp) throw new IdempotencyKeyReusedError(command.idempotencyKey);
  }

  /** Sends and waits for the outcome. A command that fails validation binds no key to anything. */
  async send(command: OutgoingCommand, timeoutMs = 10_000): Promise<CommandOutcome> {
    const encoded = this.encode(command);
    await this.reserve(command);
    return this.awaitOutcome(await this.write(encoded), timeoutMs);
  }

  async close(): Promise<void> {
    if (this.ownNotices) await this.notices.close();
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
    this.connecting = undefined;
  }
}
