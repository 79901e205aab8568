import { randomUUID } from 'node:crypto';
import {
  EventSourcedService,
  fixedSegment,
  MessageRegistry,
  redisKey,
  topic,
  WireMessage,
} from '@gpux/contracts';
import type Redis from 'ioredis';
import { Kafka, Partitioners, Producer } from 'kafkajs';
import { fingerprint } from '../domain/fingerprint';
import { CommandOutcome, outcomeEventsKey, outcomeKey, parseOutcome } from '../domain/outcomes.projection';
import { toKafka } from './codec';

export interface OutgoingCommand {
  type: string;
  /** The aggregate: the Kafka key, so all of its commands meet one writer in order. */
  subject: string;
  data: unknown;
  /** The client's key; a repeat returns the first outcome. Generated when absent. */
  idempotencyKey?: string;
  correlationId?: string;
}

const MAX_POLL_MS = 50;
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

/**
 * Sends a command to its service's commands topic and waits for its recorded outcome in the
 * outcomes read model (Redis), so a caller gets what happened, not just "sent".
 */
export class CommandSender {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly redis: Redis,
    private readonly registry: MessageRegistry,
    private readonly options: {
      service: EventSourcedService;
      source: string;
      namespace?: string;
      pollMs?: number;
      /** How long a key stays bound to the request it was first used for (default 24 h). */
      idempotencyWindowMs?: number;
    },
  ) {}

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
    const id = randomUUID();
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
    const producer = await this.connected();
    await producer.send({
      topic: topic(this.options.service, 'commands', this.options.namespace).name,
      messages: [toKafka(wire)],
    });
    return idempotencyKey;
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
   * Waits for the outcome of a dispatched command: polls, from every `pollMs` (2 ms) doubling to
   * every 50 ms, so a quick outcome is seen at once and a slow one does not cost a Redis round
   * trip every few milliseconds per waiting request.
   */
  async awaitOutcome(idempotencyKey: string, timeoutMs: number): Promise<CommandOutcome> {
    const deadline = Date.now() + timeoutMs;
    let pause = this.options.pollMs ?? 2;
    for (;;) {
      const outcome = await this.outcome(idempotencyKey);
      if (outcome) return outcome;
      const left = deadline - Date.now();
      if (left <= 0) throw new CommandTimeoutError(idempotencyKey, timeoutMs);
      await new Promise((r) => setTimeout(r, Math.min(pause, left)));
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
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
    // Outside every read model's prefix: a rebuild leaves it; a FLUSHALL forgets it (the partition still checks).
    const key = redisKey`${fixedSegment(this.options.service)}:idempotency:${command.idempotencyKey}`;
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
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
    this.connecting = undefined;
  }
}
