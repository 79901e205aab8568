import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  capacityMessages,
  capacityReadModel,
  EventSourcedService,
  MessageRegistry,
  MessageValidationError,
  ordersMessages,
  ordersReadModel,
  settlementMessages,
  settlementReadModel,
} from '@gpux/contracts';
import {
  CommandSender,
  CommandNotSentError,
  CommandTimeoutError,
  CommandTooLargeError,
  IdempotencyKeyReusedError,
  NoticeWatch,
  OutcomesRefoldingError,
  OutgoingCommand,
  ProjectionTimeoutError,
  ReadOutcome,
  RecentBindings,
  RedisNotices,
  Reservation,
  ReservationGuard,
  reserveAll,
  waitForPosition,
} from '@gpux/eventsourcing';
import { performance } from 'node:perf_hooks';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Histogram } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import {
  KafkaClients,
  RedisClient,
  SERVICE_CONFIG,
  ServiceMetrics,
  tracer,
  withCorrelation,
} from '@gpux/platform';
import { apiError } from './errors';
import { asReplayed } from './replayed';
import { rejection } from './rejection';
import { timedOutError } from './timeout';
import { REBUILD_RETRY_MS } from './rebuilding';
import { dependencyDown, UNAVAILABLE_RETRY_MS } from './unavailable';

export const COMMAND_TIMEOUT_MS = 10_000;

const REGISTRIES: Partial<Record<EventSourcedService, MessageRegistry>> = {
  settlement: settlementMessages,
  orders: ordersMessages,
  capacity: capacityMessages,
};

/** The read model each service folds its commands' outcomes into (with its own projections). */
const OUTCOMES_READ_MODELS: Partial<Record<EventSourcedService, string>> = {
  settlement: settlementReadModel.name,
  orders: ordersReadModel.name,
  capacity: capacityReadModel.name,
};

/**
 * No outcome in time: the request may still be decided. The message says where the key goes
 * (`keyField`: an order's clientOrderId, or idempotencyKey), as the TIMEOUT's extensions carry it.
 */
const timedOut = (timeoutMs: number, key: string, keyField: string, extra: Record<string, unknown> = {}) =>
  timedOutError(
    `no outcome within ${timeoutMs} ms; the request may still complete: send it again with ${keyField} ${key} to get its one outcome`,
    { idempotencyKey: key, ...extra },
  );

/** Nothing was bound or sent: the outcomes a client's key is told by are being refolded. */
const refolding = (error: OutcomesRefoldingError, clientKey: string | undefined) =>
  apiError(
    'UNAVAILABLE',
    error.message.replace(error.idempotencyKey, clientKey ?? error.idempotencyKey),
    undefined,
    { idempotencyKey: clientKey ?? error.idempotencyKey, retryAfterMs: REBUILD_RETRY_MS },
  );

/** A command the contracts refuse, as the client's input error with the field at fault. */
function invalidInput(error: MessageValidationError) {
  const field = /data is invalid: (\w+)/.exec(error.message)?.[1];
  return apiError('BAD_USER_INPUT', error.message.replace(/^.*data is invalid: /, ''), field);
}

/** What the gateway says of a command beside what it sends (none of it travels). */
interface Flags {
  clientKey?: string;
  reserved?: boolean;
  recorded?: boolean;
  /** The reservation `reserveAll` bound for it (its fingerprint is not computed again). */
  reservation?: Reservation;
  /** `watchOutcome` of its key, begun before `reserveAll` bound it: stopped once answered. */
  watch?: NoticeWatch;
  visibleRejection?: boolean;
  /**
   * A hash of the read model to read with the outcome, in the same round trip: the outcome
   * answered carries it (`hash`) when it was read as applied there.
   */
  withHash?: string;
  /** Looked at in the same script call as its key's binding, before it (ReservationGuard). */
  guard?: ReservationGuard;
}

/**
 * How the API changes anything: a command to a service's log, its recorded outcome, and a wait
 * until the read model that answers the next query has applied it (read-your-writes). Every
 * failure becomes a coded GraphQL error; a timeout says which idempotency key to retry with.
 * Nothing here polls: every wait is on what the projections announce (`notices`, one subscriber
 * connection per gateway), with one last read at its deadline.
 */
@Injectable()
export class Commands implements OnApplicationShutdown {
  private readonly senders = new Map<EventSourcedService, CommandSender>();
  private readonly logger = new Logger('commands');
  private readonly outcomeWait: Histogram<'command_type' | 'result'>;
  /** The projections' announcements (outcomes recorded, batches applied, read-model notices). */
  readonly notices: RedisNotices;
  /**
   * The keys this gateway bound lately, which a FLUSHALL does not take from it (RecentBindings):
   * 10 minutes, or the window where that is shorter (after it a key is a new request's).
   */
  private readonly recentBindings: RecentBindings;

  constructor(
    private readonly kafka: KafkaClients,
    private readonly redis: RedisClient,
    @Inject(SERVICE_CONFIG)
    private readonly config: { TOPIC_NAMESPACE: string; IDEMPOTENCY_WINDOW_MS: number },
    metrics: ServiceMetrics,
  ) {
    this.notices = new RedisNotices(redis.redis);
    this.recentBindings = new RecentBindings(Math.min(10 * 60_000, config.IDEMPOTENCY_WINDOW_MS));
    this.outcomeWait = metrics.histogram({
      name: 'gpux_command_outcome_wait_seconds',
      help: 'Time from sending a command to its recorded outcome, by command type and result (accepted, rejected, timeout, unavailable, invalid, key_reused, error)',
      labelNames: ['command_type', 'result'],
    });
  }

  /** How long a key is remembered after its outcome (IDEMPOTENCY_WINDOW_MS). */
  get idempotencyWindowMs(): number {
    return this.config.IDEMPOTENCY_WINDOW_MS;
  }

  private sender(service: EventSourcedService): CommandSender {
    let sender = this.senders.get(service);
    if (!sender) {
      const registry = REGISTRIES[service];
      if (!registry) throw new Error(`the gateway sends no commands to ${service}`);
      sender = new CommandSender(this.kafka.kafka, this.redis.redis, registry, {
        service,
        source: 'gateway',
        namespace: this.config.TOPIC_NAMESPACE,
        idempotencyWindowMs: this.config.IDEMPOTENCY_WINDOW_MS,
        notices: this.notices,
        ...(OUTCOMES_READ_MODELS[service] ? { outcomesReadModel: OUTCOMES_READ_MODELS[service] } : {}),
        recentBindings: this.recentBindings,
      });
      this.senders.set(service, sender);
    }
    return sender;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.senders.values()].map((s) => s.close()));
    await this.notices.close();
  }

  /**
   * Sends the command and returns its accepted outcome once `readModel` shows it; a rejection is
   * thrown as its code with the field at fault (and, UNPROCESSABLE, where it was dead-lettered).
   * A key already used for another request is IDEMPOTENCY_KEY_REUSED, on `keyField`. Errors name
   * the client's own key (`clientKey`), not the scoped one on the log. An outcome recorded for the
   * key before this request is answered `replayed` (a rejection says so: api/replayed.ts). `reserved`: the caller
   * bound its key already (`reserveAll`), `recorded`: and found its outcome recorded.
   * `visibleRejection`: a rejection too is thrown only once `readModel` shows what the command was
   * decided on (the events before it), for a caller that reads the model again to learn why.
   */
  async execute(
    service: EventSourcedService,
    command: OutgoingCommand & Flags,
    readModel: string,
    timeoutMs = COMMAND_TIMEOUT_MS,
    keyField = 'idempotencyKey',
  ): Promise<ReadOutcome> {
    // The command's id is chosen here, so what the gateway logs while it is served carries it as
    // the conversation's correlation id (the services log it as the command's correlationId).
    const id = command.id ?? randomUUID();
    const correlationId = command.correlationId ?? id;
    const sent = { ...command, id };
    // The root of the command's trace: its traceparent goes with it, and every span it causes in
    // the services (decisions, process managers, their commands) joins this trace.
    return withCorrelation(correlationId, () =>
      tracer().startActiveSpan(
        `command ${command.type}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            'gpux.command.type': command.type,
            'gpux.subject': command.subject,
            'gpux.correlation_id': correlationId,
            // The client's own key (the one its errors name), to find its request's trace by.
            ...(command.clientKey ? { 'gpux.client_key': command.clientKey } : {}),
          },
        },
        async (span) => {
          try {
            const outcome = await this.executeTraced(service, sent, readModel, timeoutMs, keyField);
            span.setAttribute('gpux.outcome', outcome.status);
            return outcome;
          } catch (error) {
            span.setStatus({
              code: SpanStatusCode.ERROR,
              message: error instanceof Error ? error.message : String(error),
            });
            throw error;
          } finally {
            span.end();
          }
        },
      ),
    );
  }

  private async executeTraced(
    service: EventSourcedService,
    command: OutgoingCommand & Flags,
    readModel: string,
    timeoutMs: number,
    keyField: string,
  ): Promise<ReadOutcome> {
    const {
      clientKey,
      reserved,
      recorded,
      reservation,
      watch,
      visibleRejection,
      withHash,
      guard,
      ...outgoing
    } = command;
    let outcome: ReadOutcome;
    // The command types are the gateway's own (a fixed set in its code), never the client's text.
    const started = performance.now();
    const waited = (result: string) =>
      this.outcomeWait.observe({ command_type: outgoing.type, result }, (performance.now() - started) / 1000);
    try {
      outcome = await this.sender(service).send(outgoing, timeoutMs, {
        reserved,
        recorded,
        ...(reservation ? { reservation } : {}),
        ...(watch ? { watch } : {}),
        readModel,
        ...(withHash !== undefined ? { withHash } : {}),
        ...(guard ? { guard } : {}),
      });
      waited(outcome.status === 'rejected' ? 'rejected' : 'accepted');
    } catch (error) {
      waited(
        error instanceof MessageValidationError || error instanceof CommandTooLargeError
          ? 'invalid'
          : error instanceof IdempotencyKeyReusedError ||
              // Its guard's refusal (ALREADY_EXISTS: the key named an order placed before its window).
              (guard && error instanceof GraphQLError && error.extensions['code'] === 'ALREADY_EXISTS')
            ? 'key_reused'
            : error instanceof CommandTimeoutError
              ? 'timeout'
              : error instanceof CommandNotSentError ||
                  error instanceof OutcomesRefoldingError ||
                  dependencyDown(error)
                ? 'unavailable'
                : 'error',
      );
      if (error instanceof OutcomesRefoldingError) throw refolding(error, clientKey);
      if (error instanceof MessageValidationError) throw invalidInput(error);
      if (error instanceof CommandTooLargeError) throw apiError('BAD_USER_INPUT', error.message, error.field);
      if (error instanceof IdempotencyKeyReusedError)
        throw apiError('IDEMPOTENCY_KEY_REUSED', error.message, keyField);
      // The client's own key, where the error names the scoped key the log holds.
      if (error instanceof CommandTimeoutError)
        throw timedOut(error.timeoutMs, clientKey ?? error.idempotencyKey, keyField);
      if (error instanceof CommandNotSentError) {
        this.logger.warn({
          msg: 'Kafka did not take a command',
          type: outgoing.type,
          error: String(error.cause ?? error),
        });
        const key = clientKey ?? error.idempotencyKey;
        throw apiError('UNAVAILABLE', error.message.replace(error.idempotencyKey, key), undefined, {
          idempotencyKey: key,
          retryAfterMs: UNAVAILABLE_RETRY_MS,
        });
      }
      if (dependencyDown(error)) {
        // Redis (Kafka's are CommandNotSentError), before the command was sent (binding its key)
        // or after (waiting for its outcome): the same key again is safe either way.
        const retry = clientKey
          ? `: retry with the same idempotency key ${clientKey} to get its one outcome`
          : ': retry in a second';
        throw apiError(
          'UNAVAILABLE',
          `Redis cannot be reached; the command may or may not be recorded${retry}`,
          undefined,
          { ...(clientKey ? { idempotencyKey: clientKey } : {}), retryAfterMs: UNAVAILABLE_RETRY_MS },
        );
      }
      throw error;
    }
    if (outcome.status === 'rejected') {
      if (visibleRejection) await this.visible(readModel, outcome, undefined, timeoutMs);
      const field = outcome.code === 'IDEMPOTENCY_KEY_REUSED' ? keyField : outcome.field;
      const refused = rejection(outcome, field);
      // Answered from the outcome recorded for the key before this request: it says so.
      throw outcome.replayed ? asReplayed(refused, keyField, outcome.time) : refused;
    }
    await this.visible(readModel, outcome, clientKey ?? command.idempotencyKey);
    return outcome;
  }

  /**
   * Throws, as `execute` would (BAD_USER_INPUT with the field at fault), when `data` is not a valid
   * `type` of `service`; sends nothing.
   */
  validate(service: EventSourcedService, type: string, data: Record<string, unknown>): void {
    const registry = REGISTRIES[service];
    if (!registry) throw new Error(`the gateway sends no commands to ${service}`);
    try {
      // The check `encode` makes of the data, without laying out an envelope it would not send
      // (two UUIDs, a timestamp, its headers and JSON: half of this call's time on every bid).
      registry.currentData(type, data);
    } catch (error) {
      if (error instanceof MessageValidationError) throw invalidInput(error);
      throw error;
    }
  }

  /**
   * Listens for the announcement of `idempotencyKey`'s outcome in `service` from now, for an
   * `execute` (`watch`) or `outcomeOf` of a command whose key is bound after this (`reserveAll`),
   * or which is written after this: its wait then reads only once the key is announced (see
   * CommandSender.watchOutcome). Stop it when it is not handed to them.
   */
  watchOutcome(service: EventSourcedService, idempotencyKey: string): Promise<NoticeWatch> {
    return this.sender(service).watchOutcome(idempotencyKey);
  }

  /**
   * Binds the client's key to `command` in `service`'s reservations, as sending it there would,
   * without sending it: another request with the key is IDEMPOTENCY_KEY_REUSED on `keyField`.
   */
  async reserve(
    service: EventSourcedService,
    command: OutgoingCommand & Pick<Flags, 'guard'>,
    keyField = 'idempotencyKey',
  ): Promise<void> {
    await this.reserveAll([[service, command]], keyField);
  }

  /**
   * `reserve` for several commands at once, all or none: one key bound to another request binds
   * none of them. Returns the idempotency keys among them whose outcome is recorded (`execute`
   * answers such a command with it, as `recorded`, without sending it again), and each command's
   * reservation in the order given (`execute` takes it as `reservation`).
   */
  async reserveAll(
    commands: [EventSourcedService, OutgoingCommand & Pick<Flags, 'clientKey' | 'guard'>][],
    keyField = 'idempotencyKey',
  ): Promise<{ recorded: Set<string>; reservations: (Reservation | undefined)[] }> {
    try {
      // A command that fails validation is refused here (a reservation's fingerprint is of its
      // data as the partition reads it), as sending it would refuse it, and binds no key.
      const each = commands.map(([service, { guard, ...command }]) =>
        this.sender(service).reservation(command, guard),
      );
      const reservations = each.filter((r): r is Reservation => r !== undefined);
      return {
        recorded: await reserveAll(this.redis.redis, reservations, this.recentBindings),
        reservations: each,
      };
    } catch (error) {
      if (error instanceof MessageValidationError) throw invalidInput(error);
      if (error instanceof IdempotencyKeyReusedError)
        throw apiError('IDEMPOTENCY_KEY_REUSED', error.message, keyField);
      if (error instanceof OutcomesRefoldingError)
        throw refolding(
          error,
          commands.find(([, c]) => c.idempotencyKey === error.idempotencyKey)?.[1].clientKey,
        );
      throw error;
    }
  }

  /**
   * The outcome of a command that another writer wrote under `idempotencyKey` (a process
   * manager's, whose id is derived), once `readModel` shows it. A rejection is thrown as `execute`
   * throws it; TIMEOUT names the client's key (`clientKey`) to retry with. `replayOf`: the
   * argument that carried the client's key, when what caused that command was answered from its
   * recorded outcome: a rejection is then a replay too, and says so. `watch`: `watchOutcome` of
   * `idempotencyKey`, begun before anything that writes its command was sent (stopped here).
   * `withHash`: a hash of `readModel` to read with the outcome (`execute`'s flag of that name).
   */
  async outcomeOf(
    service: EventSourcedService,
    idempotencyKey: string,
    readModel: string,
    timeoutMs: number,
    clientKey: string,
    extra: Record<string, unknown> = {},
    replayOf?: string,
    keyField = 'idempotencyKey',
    watch?: NoticeWatch,
    withHash?: string,
  ): Promise<ReadOutcome> {
    let outcome: ReadOutcome;
    try {
      outcome = await this.sender(service).awaitOutcome(
        idempotencyKey,
        timeoutMs,
        readModel,
        watch,
        withHash,
      );
    } catch (error) {
      if (error instanceof CommandTimeoutError) throw timedOut(timeoutMs, clientKey, keyField, extra);
      throw error;
    }
    if (outcome.status === 'rejected') {
      const refused = rejection(outcome, outcome.field);
      throw replayOf ? asReplayed(refused, replayOf, outcome.time) : refused;
    }
    await this.visible(readModel, outcome, clientKey, timeoutMs);
    return outcome;
  }

  /** Waits until the read model has applied the outcome (at once if it was read as applied there). */
  async visible(
    readModel: string,
    outcome: ReadOutcome,
    idempotencyKey?: string,
    timeoutMs = COMMAND_TIMEOUT_MS,
  ): Promise<void> {
    if (outcome.visibleIn === readModel) return;
    try {
      await waitForPosition(this.redis.redis, readModel, outcome.position, timeoutMs, this.notices);
    } catch (error) {
      // A rejection waited for (visibleRejection) was decided: nothing to retry by key, only the
      // read of why, once the model catches up.
      if (error instanceof ProjectionTimeoutError && outcome.status === 'rejected') {
        throw apiError(
          'UNAVAILABLE',
          `the command was refused (${outcome.code ?? 'rejected'}), and what it was refused on is not readable yet: ${error.message}; try again in a second`,
          undefined,
          { retryAfterMs: UNAVAILABLE_RETRY_MS },
        );
      }
      if (error instanceof ProjectionTimeoutError) {
        throw timedOutError(
          `the command succeeded but its result is not readable yet: ${error.message}`,
          idempotencyKey ? { idempotencyKey } : {},
        );
      }
      throw error;
    }
  }
}
