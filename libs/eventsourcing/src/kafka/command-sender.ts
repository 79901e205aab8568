import { randomUUID } from 'node:crypto';
import { EventSourcedService, MessageRegistry, topic } from '@gpux/contracts';
import { context } from '@opentelemetry/api';
import { traceHeadersOf } from '@gpux/platform';
import type Redis from 'ioredis';
import { Kafka, Message, Producer } from 'kafkajs';
import { LazyProducer } from './lazy-producer';
import { projectionKeys, reservationKey } from '../redis/keys';
import { fingerprint } from '../domain/fingerprint';
import { fitBytes, groupCommit } from '../domain/group-commit';
import { RecentBindings } from '../domain/recent-bindings';
import { outcomeKey, outcomesChannel } from '../domain/outcomes.projection';
import { NoticeWatch, RedisNotices } from '../redis/notices';
import { readOutcome, ReadOutcome } from '../redis/outcome-read';
import { redisScript } from '../redis/script';
import { toKafka } from './codec';
import { fitsOneBatch, MAX_RECORD_BYTES, recordBytes } from './record-batches';

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
  /**
   * The key was made for this request (a random UUID, not a client's): no other request can have
   * used it, so it is bound without looking for an outcome in a model still being refolded.
   */
  keyMadeHere?: boolean;
}

const DEFAULT_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Binds each reservation's key to its request's fingerprint for its window, all or none, and says
 * which of them is a retry whose outcome is recorded. KEYS: the n bindings, then the n outcome
 * hashes, then the markers of the read models that fold them (epoch, rebuilding) and the guards'
 * hashes with their models' markers; ARGV: n, then per key its fingerprint, its window in ms,
 * where its model's markers are in KEYS (0: none), where its guard's hash is (0: none) and how
 * many fields of it the guard reads, then those fields. Answers `{i}` (the 1-based index of the
 * first key used for another request), `{-i}` (the first key whose use cannot be told: below) or
 * `{'guard', i, v1, v2, …}` (key i's guard found its hash's first field: the values of its fields,
 * false for those missing), binding nothing, or `{0, r1, r2, …}` once every key is bound to its
 * own request (a key already bound to it keeps its first window), r = 1 where the key's outcome
 * is recorded for this request. A guard is read before anything else of its key; a first field it
 * does not find while the guard's model is not whole says nothing either (`{-i}`). A key not bound
 * (its binding lost with a flush) is judged by its outcome, refolded from the log with its
 * request's fingerprint: another request's makes it used; one without a fingerprint (recorded
 * before outcomes kept it) is the partition's to tell. While that model is not whole (no epoch:
 * flushed and not reset yet; or its rebuilding marker set: refolding) a missing outcome says
 * nothing, and the key is not bound (`{-i}`).
 */
const RESERVE = redisScript(`local n = tonumber(ARGV[1])
local answer = {0}
local notWhole = function(at)
  return redis.call('EXISTS', KEYS[at]) == 0 or redis.call('EXISTS', KEYS[at + 1]) == 1
end
local a = 2
local at = {}
for i = 1, n do
  at[i] = a
  a = a + 5 + tonumber(ARGV[a + 4])
end
for i = 1, n do
  local fingerprint = ARGV[at[i]]
  local guard = tonumber(ARGV[at[i] + 3])
  if guard > 0 then
    local fields = {}
    for j = 1, tonumber(ARGV[at[i] + 4]) do fields[j] = ARGV[at[i] + 4 + j] end
    local found = redis.call('HMGET', KEYS[guard], unpack(fields))
    if found[1] then
      local answered = {'guard', i}
      for j = 1, #fields do answered[j + 2] = found[j] or false end
      return answered
    end
    if notWhole(guard + 1) then return {-i} end
  end
  local first = redis.call('GET', KEYS[i])
  if first then
    if first ~= fingerprint then return {i} end
    answer[i + 1] = redis.call('EXISTS', KEYS[n + i])
  else
    local markers = tonumber(ARGV[at[i] + 2])
    if markers > 0 and notWhole(markers) then return {-i} end
    local answered = redis.call('HGET', KEYS[n + i], 'fingerprint')
    if answered and answered ~= fingerprint then return {i} end
    answer[i + 1] = answered and 1 or 0
  end
end
for i = 1, n do
  redis.call('SET', KEYS[i], ARGV[at[i]], 'PX', ARGV[at[i] + 1], 'NX')
end
return answer`);

/**
 * What must be looked at before a key is bound, in the same script call: a read-model hash whose
 * first field, present, says the key named something before (an order's id derives from its
 * client's key: that order's fields). Found, nothing is bound and `admit` is handed the fields; it
 * throws to refuse the request, or returns to have the key bound as it would be without the
 * guard. Not found while the guard's model is not whole (flushed, refolding), nothing is bound
 * either: OutcomesRefoldingError, to retry once the model is whole.
 */
export interface ReservationGuard {
  hash: string;
  /** The fields read; the first one's presence is what the guard looks for. */
  fields: readonly [string, ...string[]];
  /** The epoch and rebuilding marker of the read model that holds the hash. */
  model: readonly [epoch: string, rebuilding: string];
  admit(values: (string | null)[]): void | Promise<void>;
}

/** A client's key bound to its request: where, to what, and for how long. */
export interface Reservation {
  idempotencyKey: string;
  key: string;
  fingerprint: string;
  windowMs: number;
  /** Where the outcome of a command sent with the key is recorded (outcomes projection). */
  outcomeKey: string;
  /**
   * The epoch and rebuilding marker of the read model that folds that outcome, where a missing
   * outcome must be told from one not refolded yet (a client's key); absent for a key made here.
   */
  outcomeModel?: readonly [epoch: string, rebuilding: string];
  /** The key was made for this request (OutgoingCommand.keyMadeHere): no other request has it. */
  madeHere?: boolean;
  /** Looked at before the key is bound (ReservationGuard). */
  guard?: ReservationGuard;
}

/**
 * Binds every reservation's key to its request, all or none: throws IdempotencyKeyReusedError
 * for the first key already bound to another request, having bound none of them. Returns the
 * idempotency keys whose outcome is already recorded: a retry of a request decided before, to be
 * answered with that outcome and not sent again. The partition would not decide it again either,
 * but only while it remembers the key (IDEMPOTENCY_MAX_KEYS of them, fewer than a busy partition
 * decides in the window), while the outcome is kept for the whole window.
 */
export async function reserveAll(
  redis: Redis,
  reservations: Reservation[],
  recent?: RecentBindings,
): Promise<Set<string>> {
  if (reservations.length === 0) return new Set();
  // Bound here lately to another request: refused whatever Redis holds (flushed meanwhile).
  const now = Date.now();
  // Keys made here are neither looked up nor kept: no other request can have one.
  const told = reservations.filter((r) => !r.madeHere);
  const taken = recent && told.find((r) => recent.boundToAnother(r.key, r.fingerprint, now));
  if (taken) {
    // Its guard's hash still has its say first, as it has in the script: what the key named.
    const guard = taken.guard;
    const values = guard ? await redis.hmget(guard.hash, ...guard.fields) : [];
    if (guard && values[0] !== null && values[0] !== undefined) await guard.admit(values);
    throw new IdempotencyKeyReusedError(taken.idempotencyKey);
  }
  const keys = [...reservations.map((r) => r.key), ...reservations.map((r) => r.outcomeKey)];
  const args = [String(reservations.length)];
  for (const r of reservations) {
    args.push(r.fingerprint, String(r.windowMs), r.outcomeModel ? String(keys.length + 1) : '0');
    if (r.outcomeModel) keys.push(...r.outcomeModel);
    args.push(r.guard ? String(keys.length + 1) : '0', String(r.guard?.fields.length ?? 0));
    if (r.guard) {
      keys.push(r.guard.hash, ...r.guard.model);
      args.push(...r.guard.fields);
    }
  }
  const reply = (await RESERVE(redis, keys, args)) as (number | string | null)[];
  if (reply[0] === 'guard') {
    const guarded = reservations[Number(reply[1]) - 1];
    if (!guarded?.guard) throw new Error(`the reservation script answered ${JSON.stringify(reply)}`);
    const { guard, ...unguarded } = guarded;
    await guard.admit(reply.slice(2).map((v) => (typeof v === 'string' ? v : null)));
    // Admitted: bound as it would be without the guard (nothing was bound above).
    return reserveAll(
      redis,
      reservations.map((r) => (r === guarded ? unguarded : r)),
      recent,
    );
  }
  const [conflict, ...recorded] = reply as number[];
  if (conflict! > 0) throw new IdempotencyKeyReusedError(reservations[conflict! - 1]!.idempotencyKey);
  if (conflict! < 0) throw new OutcomesRefoldingError(reservations[-conflict! - 1]!.idempotencyKey);
  for (const r of told) recent?.remember(r.key, r.fingerprint, now);
  return new Set(reservations.filter((_, i) => recorded[i] === 1).map((r) => r.idempotencyKey));
}

/**
 * The outcomes a key's use is told by are being refolded (Redis was flushed): whether the key was
 * used, and for what, cannot be told yet. Nothing was bound or sent: the same request with the
 * same key in a second is safe.
 */
export class OutcomesRefoldingError extends Error {
  constructor(readonly idempotencyKey: string) {
    super(
      `the outcomes this idempotency key is checked against are being rebuilt from Kafka (Redis was flushed); nothing was done: retry in a second with the same key ${idempotencyKey}`,
    );
    this.name = 'OutcomesRefoldingError';
  }
}

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
    readonly timeoutMs: number,
  ) {
    super(
      `no outcome within ${timeoutMs} ms; the command may still complete: look it up by its idempotency key ${idempotencyKey}`,
    );
    this.name = 'CommandTimeoutError';
  }
}

/**
 * Kafka did not take the command in time (unreachable, or refusing): it may still be recorded, by
 * the producer's retries, once Kafka takes it. A retry with the same key gets its one outcome.
 */
export class CommandNotSentError extends Error {
  constructor(
    readonly idempotencyKey: string,
    why: string,
    cause?: unknown,
  ) {
    super(
      `Kafka did not take the command (${why}); it may still be recorded once Kafka is back: retry with the same idempotency key ${idempotencyKey} to get its one outcome`,
      { cause },
    );
    this.name = 'CommandNotSentError';
  }
}

/**
 * The command is larger than a record the broker takes (its limit per record batch): nothing was
 * sent. `field`: the data's largest field, where the bulk is.
 */
export class CommandTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly field: string | undefined,
  ) {
    super(
      `the request is ${bytes} bytes once recorded, more than the ${MAX_RECORD_BYTES} a command may be${field ? `: send less in ${field}` : ''}`,
    );
    this.name = 'CommandTooLargeError';
  }
}

/** The field of `data` whose JSON is the longest. */
function largestField(data: unknown): string | undefined {
  if (!data || typeof data !== 'object') return undefined;
  let largest: [string, number] | undefined;
  for (const [name, value] of Object.entries(data)) {
    const length = JSON.stringify(value)?.length ?? 0;
    if (!largest || length > largest[1]) largest = [name, length];
  }
  return largest?.[0];
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

/**
 * Sends a command to its service's commands topic and waits for its recorded outcome in the
 * outcomes read model (Redis), so a caller gets what happened, not just "sent".
 *
 * Sends are group-committed (`groupCommit`): one produce request at a time, carrying every command
 * queued meanwhile (up to `sendBatch`; with `sendLingerMs` a partial batch waits that long for
 * more). A lone command goes out at once; under load one request carries many.
 */
export class CommandSender {
  /** Connected at the first send; one that could not connect is not kept (Kafka may be back later). */
  private readonly producer: LazyProducer;
  private readonly queue: Queued[] = [];
  private sending = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly notices: RedisNotices;
  private readonly ownNotices: boolean;

  constructor(
    kafka: Kafka,
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
      /**
       * The read model whose projections include this service's outcomes: a client's key whose
       * binding is gone is bound only once it is whole (reserveAll). Absent: not checked.
       */
      outcomesReadModel?: string;
      /** The keys this process bound lately (shared by its senders): see RecentBindings. */
      recentBindings?: RecentBindings;
      /** The most commands in one produce request (default 500). */
      sendBatch?: number;
      /** How long a partial batch waits for more, in ms (default 0: only what queued meanwhile). */
      sendLingerMs?: number;
    },
  ) {
    this.producer = new LazyProducer(kafka);
    this.ownNotices = !options.notices;
    this.notices = options.notices ?? new RedisNotices(redis);
  }

  private connected(): Promise<Producer> {
    return this.producer.get();
  }

  /** Writes the command (validated against its schema) and returns its idempotency key. */
  async dispatch(command: OutgoingCommand): Promise<string> {
    return this.write(this.encode(command));
  }

  /** The command on the wire, validated against its schema (throws MessageValidationError). */
  private encode(command: OutgoingCommand): { message: Message; idempotencyKey: string; id: string } {
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
    // Refused here, with the field at fault, rather than by the broker after the key was bound.
    const message = toKafka(wire);
    if (!fitsOneBatch(message))
      throw new CommandTooLargeError(recordBytes(message), largestField(command.data));
    return { message, idempotencyKey, id };
  }

  private async write({
    message,
    idempotencyKey,
  }: {
    message: Message;
    idempotencyKey: string;
  }): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.queue.push({
        message,
        bytes: recordBytes(message),
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

  /**
   * The outcome recorded for a key, if any; with `readModel`, read with that read model's
   * checkpoint (`visibleIn` says whether it had applied the outcome), and with `withHash` (a hash
   * of that read model) that hash as it was then (`hash`, with `visibleIn` only).
   */
  async outcome(
    idempotencyKey: string,
    readModel?: string,
    withHash?: string,
  ): Promise<ReadOutcome | undefined> {
    return readOutcome(this.redis, this.options.service, idempotencyKey, readModel, withHash);
  }

  /**
   * Starts listening for the announcement of `idempotencyKey`'s outcome, before its command is
   * bound and written: `awaitOutcome` with this watch reads the outcome only once it is announced
   * (or may have been missed: a reconnect), not first on the chance that it is already recorded.
   * Start it before the key's reservation (`reserveAll`), whose answer covers what was recorded
   * before: an outcome recorded between the reservation and a later watch (another request with
   * the key, sent at the same time, which the partition answers first; it announces the key once,
   * and answers the second with nothing new) would be neither read nor heard. Stop it when done
   * (`send` and `awaitOutcome` stop the watch they are given).
   */
  watchOutcome(idempotencyKey: string): Promise<NoticeWatch> {
    return this.notices.watch(
      outcomesChannel(this.options.service),
      (announced) => announced === idempotencyKey,
    );
  }

  /**
   * Waits for the outcome of a dispatched command: the outcomes projection announces each key it
   * records on the service's outcomes channel, so this reads the outcome once subscribed, again
   * when its key is announced, and a last time at the deadline (no polling). With `watch` (from
   * `watchOutcome(idempotencyKey)`, begun before the key was bound), the first read is made only
   * when the key was announced since, or an announcement may have been lost. With `readModel`,
   * each read also says whether that read model has applied the outcome (`visibleIn`), and with
   * `withHash` reads that hash of it along (`hash`).
   */
  async awaitOutcome(
    idempotencyKey: string,
    timeoutMs: number,
    readModel?: string,
    watch?: NoticeWatch,
    withHash?: string,
  ): Promise<ReadOutcome> {
    const probe = () => this.outcome(idempotencyKey, readModel, withHash);
    const outcome = watch
      ? await watch.until(probe, timeoutMs)
      : await this.notices.waitFor(
          outcomesChannel(this.options.service),
          probe,
          timeoutMs,
          (announced) => announced === idempotencyKey,
        );
    if (!outcome) throw new CommandTimeoutError(idempotencyKey, timeoutMs);
    return outcome;
  }

  /**
   * Where and to what `command`'s key is bound, and what is looked at first (`guard`); undefined
   * for a command without a client key.
   */
  reservation(command: OutgoingCommand, guard?: ReservationGuard): Reservation | undefined {
    if (!command.idempotencyKey) return undefined;
    return {
      idempotencyKey: command.idempotencyKey,
      // Outside every read model's prefix: a reset or a rebuild leaves it; a FLUSHALL forgets it
      // (the partition still checks). Before, it was `<service>:idempotency:…`, inside the
      // service's model prefix, and a reset deleted it: a reservation of then is not found, which
      // costs nothing the partition's own check does not catch.
      key: reservationKey(this.options.service, command.idempotencyKey),
      // Of the data as the partition decodes it, whose fingerprint its outcome records.
      fingerprint: fingerprint({
        type: command.type,
        subject: command.subject,
        data: this.registry.currentData(command.type, command.data),
      }),
      windowMs: this.options.idempotencyWindowMs ?? DEFAULT_WINDOW_MS,
      outcomeKey: outcomeKey(this.options.service, command.idempotencyKey),
      ...(command.keyMadeHere ? { madeHere: true } : {}),
      ...(this.options.outcomesReadModel && !command.keyMadeHere
        ? {
            outcomeModel: [
              projectionKeys(this.options.outcomesReadModel).epoch,
              projectionKeys(this.options.outcomesReadModel).rebuilding,
            ] as const,
          }
        : {}),
      ...(guard ? { guard } : {}),
    };
  }

  /**
   * Binds a client's key to its request (by fingerprint) for the window, whichever partition the
   * request goes to: the same request again is a retry, another one is refused before it is sent.
   * Returns whether the key's outcome is recorded (a retry of a request decided before).
   * The partition worker checks the same within its partition from the log (crash-safe); this
   * check spans partitions (a key reused for another account) and holds while Redis keeps it.
   */
  async reserve(command: OutgoingCommand): Promise<boolean> {
    return this.reserveOne(this.reservation(command));
  }

  private async reserveOne(reservation: Reservation | undefined): Promise<boolean> {
    return reservation
      ? (await reserveAll(this.redis, [reservation], this.options.recentBindings)).size > 0
      : false;
  }

  /**
   * Sends and waits for the outcome; a retry whose outcome is recorded is answered with it and not
   * sent again. A command that fails validation binds no key to anything. `reserved`: the caller
   * has bound its key already (with `reserveAll`), and `recorded` is whether that found its outcome
   * recorded, and `reservation` the one it bound (`reservation(command)`, not computed again: its
   * fingerprint is a canonical JSON and a sha256 of the data); `watch`: the caller's
   * `watchOutcome` of the command's key, begun before it bound the key (stopped here); without it,
   * a command bound here is watched from before its binding, and one the caller bound is read
   * once first. `readModel`: read each outcome with that read model's checkpoint, and `withHash`
   * along with it (see `awaitOutcome`). `guard`: looked at as the key is bound here (ReservationGuard).
   */
  async send(
    command: OutgoingCommand,
    timeoutMs = 10_000,
    options: {
      reserved?: boolean;
      recorded?: boolean;
      reservation?: Reservation;
      readModel?: string;
      withHash?: string;
      watch?: NoticeWatch;
      guard?: ReservationGuard;
    } = {},
  ): Promise<ReadOutcome> {
    let watch = options.watch;
    try {
      const encoded = this.encode(command);
      const reservation =
        options.reserved && options.reservation?.idempotencyKey === command.idempotencyKey
          ? options.reservation
          : this.reservation(command, options.guard);
      // Listening before the key is bound: what is recorded before the binding, the binding says;
      // what is recorded after it, is heard (the outcome of this command or of another with the key).
      if (!options.reserved) watch ??= await this.watchOutcome(encoded.idempotencyKey);
      const recorded = options.reserved ? options.recorded === true : await this.reserveOne(reservation);
      // Read again: an outcome past its window may have expired since (then the request is new).
      const first = recorded
        ? await this.outcome(encoded.idempotencyKey, options.readModel, options.withHash)
        : undefined;
      if (first) return { ...first, replayed: true };
      const outcome = await this.awaitOutcome(
        await this.writeWithin(encoded, timeoutMs),
        timeoutMs,
        options.readModel,
        watch,
        options.withHash,
      );
      // The key's outcome is another request's: its partition refused this one as a reuse (recorded
      // under this command's id), and the key's outcome is the first request's. Never this one's.
      if (reservation && outcome.fingerprint && outcome.fingerprint !== reservation.fingerprint) {
        // The key is that request's: bound to this one (its binding flushed meanwhile), the first
        // request's true retry was refused for the window.
        await this.redis.set(reservation.key, outcome.fingerprint, 'PX', reservation.windowMs);
        this.options.recentBindings?.remember(reservation.key, outcome.fingerprint, Date.now());
        throw new IdempotencyKeyReusedError(encoded.idempotencyKey);
      }
      // Another command with the key got there first (the same request sent twice at once): the
      // partition answered this one with that one's outcome.
      return outcome.commandId === encoded.id ? outcome : { ...outcome, replayed: true };
    } finally {
      watch?.stop();
    }
  }

  /**
   * Writes the command, or throws CommandNotSentError once `timeoutMs` pass without Kafka taking it
   * (or when the producer gives up first): with Kafka down, kafkajs retries a send for a minute
   * or more (libs/platform's KafkaClients), and every caller waited that long for an internal error.
   */
  private async writeWithin(encoded: { message: Message; idempotencyKey: string }, timeoutMs: number) {
    const written = this.write(encoded);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new CommandNotSentError(encoded.idempotencyKey, `not taken within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([written, late]);
    } catch (error) {
      if (error instanceof CommandNotSentError) {
        written.catch(() => undefined); // still in the producer's hands: it may yet be written
        throw error;
      }
      // The producer's own words name brokers and ports: they stay in `cause`, for the logs.
      throw new CommandNotSentError(encoded.idempotencyKey, 'it could not be reached, or refused it', error);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.ownNotices) await this.notices.close();
    await this.producer.close();
  }
}
