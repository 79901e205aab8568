/*
 * The partition worker stays one file (about 650 lines): it is the single writer's transaction,
 * and what must happen in it, in order (decide, validate and encode, react, evolve, write, commit,
 * then and only then change the state it decides from), reads best in one place. What it uses is
 * apart: the worker's context and deciders (worker-context.ts), inline reactions (reactions.ts),
 * the transactional producer (transaction-group.ts), group commit and idempotency keys (domain/),
 * dead letters, the partition reader and the codec.
 */
import { randomUUID } from 'node:crypto';
import { Envelope, HEADERS, MessageValidationError, parseHeaders, WireMessage } from '@gpux/contracts';
import { KafkaMessage, Message, RecordMetadata } from 'kafkajs';
import { Logger } from '@nestjs/common';
import { Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { contextOf, traceHeadersOfSpan, traceIdsOf, tracer } from '@gpux/platform';
import { performance } from 'node:perf_hooks';
import { Message as DomainMessage } from '../domain/decider';
import { outcomeEventId } from '../domain/derived-id';
import { ANSWER_ONLY, fingerprint, FINGERPRINT_HEADER } from '../domain/fingerprint';
import { transactionSizes } from '../domain/group-commit';
import { keyUse, pruneKeys, RememberedKey } from '../domain/idempotency-keys';
import { SinceSnapshot, snapshotDue } from '../domain/snapshot-due';
import { fromKafka, toKafka } from './codec';
import { deadLetter } from './dead-letter';
import { readPartitionUntil } from './partition-reader';
import { kafkaSnapshotWriter, SNAPSHOT_KEY, SnapshotSink, SnapshotWriter } from './snapshot-writer';
import { TransactionGroup } from './transaction-group';
import { partitionTransactionalId } from './transaction-groups';
import {
  fitsOneBatch,
  fittingOneBatch,
  recordBytes,
  RecordTooLargeError,
  SNAPSHOT_MAX_BYTES,
  snapshotFits,
} from './record-batches';
import { byTopic, emittedCommands, REACTED_HEADER } from './reactions';
import { DeciderRegistration, WorkerContext } from './worker-context';
import { CommandOutcomeKind, DeadLetterReason, NO_METRICS } from '../metrics/metrics';

interface Snapshot {
  version: 3;
  /** The next offset of the events partition after the state below. */
  eventsOffset: string;
  states: [string, unknown][];
  /** Idempotency keys with the time (ms) of their outcome and their request's fingerprint, oldest first. */
  processed: [string, number, string | null][];
}

const CLAIM_KEY = 'claim';

/** Where a dead-lettered command came from, as its UNPROCESSABLE outcome names it. */
export function deadLetterReference(from: { topic: string; partition: number }, offset: string): string {
  return `${from.topic}:${from.partition}:${offset}`;
}

/** Outcome event ids are derived from the command, so the same outcome always has the same id. */
const outcomeId = outcomeEventId;

/**
 * The single writer of one partition (docs/architecture.md §3): owns the in-memory state of the aggregates
 * whose commands land on partition p, decides, and writes events, dead letters and the consumer
 * offset in one transaction: through its transaction group's producer (shared with the group's
 * other partitions, `transactional.id = <service>-<commands topic>-g<n>-<group>`), or one of its
 * own (`<service>-<commands topic>-<p>`), so an older owner of p is fenced the moment this one
 * starts. Its snapshots are taken once a transaction has committed and written outside the
 * transactions (snapshot-writer.ts).
 */
export class PartitionWorker {
  private readonly logger: Logger;
  /** The transactional producer this partition writes through (its own, or its transaction group's). */
  private readonly group: TransactionGroup;
  private readonly ownGroup: boolean;
  /** Where its snapshots go, written outside its transactions: the processor's, or one of its own. */
  private readonly snapshots: SnapshotSink;
  private readonly ownSnapshots: SnapshotWriter | undefined;
  private states = new Map<string, unknown>();
  /** Idempotency key -> its outcome's time (ms) and request; pruned to the window and the cap. */
  private processed = new Map<string, RememberedKey>();
  private readonly byCommand = new Map<string, DeciderRegistration>();
  private readonly byEvent = new Map<string, DeciderRegistration>();
  /** What was written since the last snapshot, and how large that one was (snapshot-due.ts). */
  private since: Omit<SinceSnapshot, 'ms'> = { events: 0, eventChars: 0, snapshotChars: 0 };
  /** REACTED_HEADER's value on every event this worker writes (undefined: no inline managers). */
  private readonly reactedBy: string | undefined;
  private lastSnapshotAt = 0;
  private failed = false;

  /**
   * `group`: the transaction group the partition belongs to (shared with its other partitions);
   * without one the worker has a producer of its own, under the partition's own transactional id.
   */
  constructor(
    private readonly ctx: WorkerContext,
    readonly partition: number,
    group?: TransactionGroup,
  ) {
    this.logger = new Logger(`${ctx.service}[${partition}]`);
    this.ownGroup = !group;
    this.ownSnapshots = ctx.snapshots ? undefined : kafkaSnapshotWriter(ctx.kafka, this.logger);
    this.snapshots = ctx.snapshots ?? (this.ownSnapshots as SnapshotWriter);
    this.group =
      group ??
      new TransactionGroup({
        kafka: ctx.kafka,
        transactionalId: partitionTransactionalId(ctx.topics.commands, ctx.service, partition),
        groupId: ctx.groupId,
        commandsTopic: ctx.topics.commands,
        ...(ctx.metrics ? { metrics: ctx.metrics } : {}),
        ...(ctx.beforeCommit ? { beforeCommit: ctx.beforeCommit } : {}),
      });
    const inline = (ctx.reactions ?? []).map((r) => r.manager.name);
    this.reactedBy = inline.length ? inline.join(',') : undefined;
    for (const d of ctx.deciders) {
      d.commandTypes.forEach((t) => this.byCommand.set(t, d));
      d.eventTypes.forEach((t) => this.byEvent.set(t, d));
    }
  }

  get transactionalId(): string {
    return this.group.transactionalId;
  }

  /** True once a transaction failed: the worker's state can no longer be trusted. */
  get broken(): boolean {
    return this.failed || this.group.broken;
  }

  /** Fences any older owner, marks the log, and rebuilds state from snapshot + events. */
  async start(): Promise<void> {
    const started = Date.now();
    await this.group.start();
    this.logger.debug({
      msg: 'producer initialised (older owners fenced)',
      transactionalId: this.transactionalId,
    });
    const claimId = randomUUID();
    const claim = this.envelope(`${this.ctx.service}.PartitionClaimed`, `partition-${this.partition}`, {
      partition: this.partition,
      claimId,
      owner: this.ctx.owner,
    });
    const wire = this.ctx.registry.encode(claim);
    await this.group.commit({
      partition: this.partition,
      topicMessages: [
        { topic: this.ctx.topics.events, messages: [{ ...toKafka(wire), partition: this.partition }] },
        {
          topic: this.ctx.topics.snapshots,
          messages: [{ ...toKafka(wire), key: CLAIM_KEY, partition: this.partition }],
        },
      ],
    });
    this.logger.debug({ msg: 'claim written', claimId });
    const isClaim = (m: KafkaMessage) => m.headers?.[HEADERS.id]?.toString() === claim.id;
    // Only the latest snapshot is read, or the one before it when it does not read: the others (up
    // to a segment's worth before compaction reaches them, one a minute) are passed by, not parsed,
    // each of them up to a partition's state.
    const seen: { latest?: KafkaMessage; before?: KafkaMessage } = {};
    await readPartitionUntil(this.ctx.kafka, {
      topic: this.ctx.topics.snapshots,
      partition: this.partition,
      partitions: this.ctx.partitions,
      fromOffset: '0',
      until: isClaim,
      onMessage: (m) => {
        if (m.key?.toString() !== SNAPSHOT_KEY || !m.value) return;
        seen.before = seen.latest;
        seen.latest = m;
      },
      timeoutMs: this.ctx.rebuildTimeoutMs,
    });
    const latest = seen.latest && this.readSnapshot(seen.latest);
    const read = latest ? seen.latest : seen.before;
    let snapshot: Snapshot | undefined = latest ?? (seen.before && this.readSnapshot(seen.before));
    this.logger.debug({ msg: 'snapshots read', snapshotAt: snapshot?.eventsOffset ?? null });
    if (snapshot && !this.restore(snapshot)) snapshot = undefined;
    this.since = { events: 0, eventChars: 0, snapshotChars: snapshot ? (read?.value?.length ?? 0) : 0 };
    const replayed = await readPartitionUntil(this.ctx.kafka, {
      topic: this.ctx.topics.events,
      partition: this.partition,
      partitions: this.ctx.partitions,
      fromOffset: snapshot?.eventsOffset ?? '0',
      until: isClaim,
      onMessage: (m) => this.replay(fromKafka(m)),
      timeoutMs: this.ctx.rebuildTimeoutMs,
    });
    this.lastSnapshotAt = Date.now();
    this.logger.log({
      msg: 'partition claimed',
      transactionalId: this.transactionalId,
      fromSnapshot: snapshot ? snapshot.eventsOffset : null,
      eventsReplayed: replayed,
      aggregates: this.states.size,
      ms: Date.now() - started,
    });
  }

  /**
   * A snapshot message as a Snapshot; undefined when it does not read or is of another layout. A
   * snapshot only saves time: without one the events alone rebuild the same state.
   */
  private readSnapshot(m: KafkaMessage): Snapshot | undefined {
    try {
      const read = JSON.parse(m.value?.toString() ?? '') as { version?: number };
      return read.version === 3 ? (read as Snapshot) : undefined;
    } catch (error) {
      this.logger.warn({ msg: 'a snapshot does not read; left out', offset: m.offset, error: String(error) });
      return undefined;
    }
  }

  /**
   * The state and keys of a snapshot; false (and nothing restored) when its states do not revive:
   * the events alone rebuild the same state.
   */
  private restore(snapshot: Snapshot): boolean {
    try {
      const revivers = new Map(this.ctx.deciders.map((d) => [d.name, d.revive]));
      this.states = new Map(
        snapshot.states.map(([key, json]): [string, unknown] => {
          const revive = revivers.get(key.slice(0, key.indexOf('|')));
          return [key, revive ? revive(json) : json];
        }),
      );
      this.processed = new Map(
        snapshot.processed.map(([k, at, fp]): [string, RememberedKey] => [
          k,
          fp ? { at, fingerprint: fp } : { at },
        ]),
      );
      return true;
    } catch (error) {
      this.states = new Map();
      this.processed = new Map();
      this.logger.warn({ msg: 'a snapshot does not revive; rebuilt from the events', error: String(error) });
      return false;
    }
  }

  private replay(wire: WireMessage): void {
    const type = wire.headers[HEADERS.type] ?? '';
    if (type.endsWith('.PartitionClaimed')) return;
    const key = wire.headers[HEADERS.idempotencyKey];
    const fp = wire.headers[FINGERPRINT_HEADER];
    if (key && fp !== ANSWER_ONLY) {
      this.processed.delete(key); // the latest use of a key is the newest: last in the map
      this.processed.set(key, {
        at: Date.parse(wire.headers[HEADERS.time] ?? '') || Date.now(),
        ...(fp ? { fingerprint: fp } : {}),
      });
      // Past the cap the oldest is forgotten at once (the window is applied when snapshotting).
      if (this.processed.size > this.ctx.idempotencyMaxKeys) {
        for (const oldest of this.processed.keys()) {
          this.processed.delete(oldest);
          break;
        }
      }
    }
    const registration = this.byEvent.get(type);
    if (!registration) return; // rejections and other aggregates' events change no state here
    const event = this.ctx.registry.decode(wire);
    const stateKey = `${registration.name}|${event.subject}`;
    const state = this.states.has(stateKey) ? this.states.get(stateKey) : registration.decider.initialState();
    this.states.set(stateKey, registration.decider.evolve(state, { type: event.type, data: event.data }));
  }

  private envelope(type: string, subject: string, data: unknown, cause?: Envelope, index = 0): Envelope {
    return {
      id: cause ? outcomeId(cause.id, index) : randomUUID(),
      type,
      source: this.ctx.service,
      subject,
      time: this.ctx.clock().toISOString(),
      schemaVersion: 1,
      correlationId: cause?.correlationId ?? randomUUID(),
      causationId: cause?.id ?? null,
      ...(cause ? { idempotencyKey: cause.idempotencyKey ?? cause.id } : {}),
      data,
    };
  }

  /**
   * Processes commands in order: group commit, every command fetched together (what queued while
   * the previous transaction was committing, and what the fetch lingered for) decided into one
   * transaction, up to maxCommandsPerTransaction each.
   */
  async handle(messages: KafkaMessage[], onCommitted: (lastOffset: string) => void): Promise<void> {
    let start = 0;
    for (const size of transactionSizes(messages.length, this.ctx.maxCommandsPerTransaction)) {
      const chunk = messages.slice(start, (start += size));
      let done: { last: string; rebuild: boolean };
      try {
        done = await this.processChunk(chunk);
      } catch (error) {
        this.failed = true;
        throw error;
      }
      onCommitted(done.last);
      if (done.rebuild) {
        // Committed up to the command whose evolve failed; the rest is fetched again and decided
        // by a worker rebuilt from the log.
        this.failed = true;
        throw new Error(`partition ${this.partition}: an evolve failed, the state is rebuilt from the log`);
      }
    }
  }

  /**
   * Decides a chunk and commits its outcomes. Returns the offset of the last command committed,
   * and whether the in-memory state must be rebuilt from the log (an evolve failed part-way).
   */
  private async processChunk(chunk: KafkaMessage[]): Promise<{ last: string; rebuild: boolean }> {
    const { registry, topics } = this.ctx;
    const pending = new Map<string, unknown>();
    /** Keys whose first outcome this chunk records, with their request's fingerprint. */
    const pendingKeys = new Map<string, string>();
    const events: Message[] = [];
    /** The commands inline process managers emit for those events, with the topic of each. */
    const reacted: { topic: string; message: Message }[] = [];
    const dead: Message[] = [];
    /** Counted once the transaction commits: why each dead letter, and each command's outcome. */
    const deadReasons: DeadLetterReason[] = [];
    /** One warning per dead letter, logged once its transaction commits (an aborted one is read again). */
    const deadLines: Record<string, unknown>[] = [];
    const tally: [string, CommandOutcomeKind, string][] = [];
    /** The outcome events, only when a service observes them. */
    const committed: Envelope[] = [];
    /** One span per command decided, ended when its transaction ends (no-op ones while tracing is off). */
    const spans: Span[] = [];
    const metrics = this.ctx.metrics ?? NO_METRICS;
    const from = { topic: topics.commands, partition: this.partition };
    const now = this.ctx.clock().getTime();
    // Every command gets an outcome its caller sees, one that could not be processed included: it is
    // dead-lettered and rejected as UNPROCESSABLE with where the dead letter is (never a TIMEOUT).
    // A command that decoded keeps its key for the window (a retry gets the same answer); one that
    // did not (only its headers could be read) is answered under its own id and its key stays
    // unused, as a request that failed validation saves no idempotent result.
    const unprocessable = (
      message: KafkaMessage,
      why: DeadLetterReason,
      reason: string,
      command?: Envelope,
    ) => {
      dead.push(deadLetter(message, from, reason));
      deadReasons.push(why);
      // What the headers say of a command that did not decode (its type, its conversation) helps find it.
      const said = command ?? this.headersOf(message);
      deadLines.push({
        msg: 'command dead-lettered: its caller was answered UNPROCESSABLE',
        reason: why,
        error: reason.slice(0, 1000),
        commandType: typeof said?.type === 'string' ? said.type.slice(0, 200) : null,
        deadLetter: deadLetterReference(from, message.offset),
        ...(typeof said?.correlationId === 'string'
          ? { correlation_id: said.correlationId.slice(0, 200) }
          : {}),
        ...(said ? traceIdsOf(said) : {}),
        todo: `read it with: node infra/scripts/dead-letters.js ${this.ctx.service} (docs/operations.md, "Dead letters")`,
      });
      // Only a command that decoded and is handled here has a type from a known set.
      tally.push([
        command && this.byCommand.has(command.type) ? command.type : 'unknown',
        'unprocessable',
        'UNPROCESSABLE',
      ]);
      // A request that cannot be fingerprinted (data nested past the stack) is answered like one
      // that did not decode: thrown here, it failed the transaction and stopped the partition.
      let fp = '';
      if (command)
        try {
          fp = fingerprint(command);
        } catch {
          command = undefined;
        }
      const headers = command ? undefined : this.headersOf(message);
      const cause = command ?? (headers && { ...headers, idempotencyKey: headers.id });
      if (!cause) return;
      const key = cause.idempotencyKey ?? cause.id;
      if (
        command &&
        (pendingKeys.has(key) ||
          keyUse(this.processed.get(key), fp, now, this.ctx.idempotencyWindowMs) !== 'new')
      )
        return;
      const ref = deadLetterReference(from, message.offset);
      try {
        const rejection = this.envelope(
          `${this.ctx.service}.CommandRejected`,
          cause.subject,
          {
            commandType: cause.type,
            code: 'UNPROCESSABLE',
            message: `the command could not be processed and was dead-lettered (${ref}): ${reason}`.slice(
              0,
              1000,
            ),
            deadLetter: ref,
            ...(command ? { command: command.data as Record<string, unknown> } : {}),
          },
          cause,
          // Its own event id: a message that did not decode may carry another command's id.
          command ? 0 : -1,
        );
        events.push(this.outcomeMessage(rejection, command ? fp : ANSWER_ONLY));
        reacted.push(...this.reactionsOrNone(rejection, spans));
        if (command) pendingKeys.set(key, fp);
      } catch (error) {
        this.logger.warn({
          msg: 'no UNPROCESSABLE outcome for a dead-lettered command',
          ...(command ? { correlation_id: command.correlationId, ...traceIdsOf(command) } : {}),
          offset: message.offset,
          error: String(error),
        });
      }
    };

    let last = chunk[chunk.length - 1]!;
    let rebuild = false;
    for (const message of chunk) {
      let command: Envelope;
      try {
        command = registry.decode(fromKafka(message));
      } catch (error) {
        unprocessable(message, 'undecodable', error instanceof Error ? error.message : String(error));
        continue;
      }
      const registration = this.byCommand.get(command.type);
      if (!registration || registry.kindOf(command.type) !== 'command') {
        unprocessable(
          message,
          'not_handled',
          `${command.type} is not a command this service handles`,
          command,
        );
        continue;
      }
      // What the request was, to tell a retry from a reused key. Its data is walked recursively:
      // data nested deeper than the stack allows (a contract that bounds it came later, or none
      // does) makes the command unprocessable, answered like one that did not decode, never a
      // failed transaction that stops the partition.
      let fp: string;
      try {
        fp = fingerprint(command);
      } catch (error) {
        unprocessable(message, 'undecodable', `cannot fingerprint the request: ${String(error)}`);
        continue;
      }
      // A child of the span that sent the command; the outcome events carry this span's context on.
      const span = tracer().startSpan(
        `decide ${command.type}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'gpux.command.type': command.type,
            'gpux.subject': command.subject,
            'gpux.correlation_id': command.correlationId,
            'messaging.destination.partition.id': String(this.partition),
          },
        },
        contextOf(command),
      );
      spans.push(span);
      const traced = traceHeadersOfSpan(span);
      const key = command.idempotencyKey ?? command.id;
      const pendingFp = pendingKeys.get(key);
      const use =
        pendingFp !== undefined
          ? pendingFp === fp
            ? 'retry'
            : 'reused'
          : keyUse(this.processed.get(key), fp, now, this.ctx.idempotencyWindowMs);
      if (use === 'retry') {
        span.setAttribute('gpux.outcome', 'duplicate');
        tally.push([command.type, 'duplicate', '']);
        continue; // its first outcome stands
      }
      if (use === 'reused') {
        // Another request with a key already used: refused, and nothing changes. Its rejection is
        // recorded under the command's own id, so the first outcome of the key stays as it was.
        const rejection = this.envelope(
          `${this.ctx.service}.CommandRejected`,
          command.subject,
          {
            commandType: command.type,
            code: 'IDEMPOTENCY_KEY_REUSED',
            message:
              'this idempotency key was already used for a different request; use a new key for a new request',
            field: 'idempotencyKey',
            command: command.data as Record<string, unknown>,
          },
          { ...command, idempotencyKey: command.id },
        );
        events.push(this.outcomeMessage({ ...rejection, ...traced }, ANSWER_ONLY));
        reacted.push(...this.reactionsOrNone({ ...rejection, ...traced }, spans));
        span.setAttribute('gpux.outcome', 'IDEMPOTENCY_KEY_REUSED');
        tally.push([command.type, 'rejected', 'IDEMPOTENCY_KEY_REUSED']);
        continue;
      }
      const eventsBefore = events.length;
      const reactedBefore = reacted.length;
      const committedBefore = committed.length;
      const stateKey = `${registration.name}|${command.subject}`;
      const state = pending.has(stateKey)
        ? pending.get(stateKey)
        : this.states.has(stateKey)
          ? this.states.get(stateKey)
          : registration.decider.initialState();
      let outcome: Envelope[];
      let accepted: DomainMessage[] = [];
      let decided: [CommandOutcomeKind, string] = ['accepted', ''];
      const decideStarted = performance.now();
      try {
        const decision = registration.decider.decide({ type: command.type, data: command.data }, state, {
          now: this.ctx.clock(),
        });
        if (decision.kind === 'accepted') {
          accepted = decision.events;
          outcome = decision.events.map((e, index) => ({
            ...this.envelope(e.type, command.subject, e.data, command, index),
            schemaVersion: registry.currentVersion(e.type),
            ...traced,
          }));
        } else {
          const { code, message: text, field, available } = decision;
          decided = ['rejected', code];
          outcome = [
            {
              ...this.envelope(
                `${this.ctx.service}.CommandRejected`,
                command.subject,
                {
                  commandType: command.type,
                  code,
                  message: text,
                  ...(field ? { field } : {}),
                  ...(available !== undefined ? { available } : {}),
                  command: command.data as Record<string, unknown>,
                },
                command,
              ),
              ...traced,
            },
          ];
        }
        // Validates every outcome before anything is written or evolved: a decider bug
        // dead-letters its command and leaves no trace in the state.
        // So are the commands inline process managers emit for them (a failure dead-letters it too).
        const encoded = outcome.map((e) => this.outcomeMessage(e, fp));
        const commands = this.reactionsTo(outcome, spans);
        // One at a time: a command's events may be a whole book's (a spread call takes ~100,000).
        for (const e of encoded) events.push(e);
        for (const c of commands) reacted.push(c);
        if (metrics.eventsCommitted) for (const e of outcome) committed.push(e);
      } catch (error) {
        const invalid = error instanceof MessageValidationError;
        const tooLarge = error instanceof RecordTooLargeError;
        const reason = invalid
          ? `decider produced an invalid event: ${error.message}`
          : tooLarge
            ? `${error.message}: the broker would refuse it`
            : `decider failed: ${error instanceof Error ? error.message : String(error)}`;
        span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
        unprocessable(
          message,
          invalid ? 'invalid_outcome' : tooLarge ? 'outcome_too_large' : 'decider_failed',
          reason,
          command,
        );
        continue;
      } finally {
        metrics.decided(command.type, (performance.now() - decideStarted) / 1000);
      }
      // Only events that will be written reach evolve. A decider may evolve in place (a market's
      // book), so an evolve that fails part-way cannot be undone: its events are taken back, the
      // command is dead-lettered, the chunk ends there (what came before it is committed, no
      // snapshot of the half-evolved state is taken) and the worker is then rebuilt from the log.
      let next = state;
      try {
        for (const e of accepted) next = registration.decider.evolve(next, e);
      } catch (error) {
        events.length = eventsBefore;
        reacted.length = reactedBefore;
        if (metrics.eventsCommitted) committed.length = committedBefore;
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'evolve failed' });
        unprocessable(
          message,
          'decider_failed',
          `decider failed: ${error instanceof Error ? error.message : String(error)}`,
          command,
        );
        last = message;
        rebuild = true;
        break;
      }
      pending.set(stateKey, next);
      pendingKeys.set(key, fp);
      tally.push([command.type, decided[0], decided[1]]);
      span.setAttribute('gpux.outcome', decided[1] || decided[0]);
    }

    const nextOffset = (BigInt(last.offset) + 1n).toString();
    const topicMessages = [];
    if (events.length) topicMessages.push({ topic: topics.events, messages: events });
    for (const [topic, messages] of byTopic(reacted)) topicMessages.push({ topic, messages });
    if (dead.length) topicMessages.push({ topic: topics.deadLetter, messages: dead });
    let written: RecordMetadata[];
    try {
      written = await this.group.commit({ partition: this.partition, topicMessages, nextOffset });
    } catch (error) {
      for (const span of spans) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'transaction aborted' });
        span.end();
      }
      throw error;
    }
    for (const span of spans) span.end();
    for (const [type, kind, code] of tally) metrics.outcome(type, kind, code);
    for (const why of deadReasons) metrics.deadLettered(topics.deadLetter, why);
    for (const line of deadLines) this.logger.warn(line);
    if (committed.length) metrics.eventsCommitted?.(committed);
    // Only a committed transaction changes the state this worker decides from.
    for (const [k, v] of pending) this.states.set(k, v);
    this.remember(pendingKeys, now);
    if (this.processed.size > this.ctx.idempotencyMaxKeys)
      pruneKeys(this.processed, now, this.ctx.idempotencyWindowMs, this.ctx.idempotencyMaxKeys);
    this.since.events += events.length;
    for (const e of events) this.since.eventChars += e.value?.length ?? 0;
    const { snapshotEveryEvents, snapshotEveryMs } = this.ctx;
    const since = { ...this.since, ms: Date.now() - this.lastSnapshotAt };
    // No snapshot of a chunk cut short by an evolve that threw: the worker is rebuilt from the log.
    if (!rebuild && snapshotDue(since, events.length, snapshotEveryEvents, snapshotEveryMs)) {
      this.lastSnapshotAt = Date.now();
      this.since = { events: 0, eventChars: 0, snapshotChars: this.since.snapshotChars };
      const taken = this.takeSnapshot(written, events.length);
      if (taken !== undefined) this.since.snapshotChars = taken;
    }
    return { last: last.offset, rebuild };
  }

  /** Keys whose first outcome was just committed; a key used again after its window moves to the end. */
  private remember(keys: Map<string, string>, at: number, into = this.processed): void {
    for (const [k, fp] of keys) {
      into.delete(k);
      into.set(k, fp ? { at, fingerprint: fp } : { at });
    }
  }

  /**
   * An outcome event as written: validated, on this partition, with its request's fingerprint, and
   * the names of the process managers whose commands for it are written with it.
   */
  private outcomeMessage(event: Envelope, fp: string): Message {
    const wire = this.ctx.registry.encode(event);
    const headers = { ...wire.headers };
    if (fp) headers[FINGERPRINT_HEADER] = fp;
    if (this.reactedBy) headers[REACTED_HEADER] = this.reactedBy;
    const message = { ...toKafka({ ...wire, headers }), partition: this.partition };
    if (fitsOneBatch(message)) return message;
    // A rejection repeats its command's data: of a command near the broker's limit, that does not
    // fit in a record. Such a rejection is recorded without it (the command is in the log).
    const data = event.data as { command?: unknown } | null;
    if (event.type.endsWith('.CommandRejected') && data && typeof data === 'object' && 'command' in data) {
      const { command: _left, ...rest } = data;
      return this.outcomeMessage({ ...event, data: rest }, fp);
    }
    throw new RecordTooLargeError(recordBytes(message), 'its outcome');
  }

  /** The commands the inline process managers emit for these events; throws when one does not validate. */
  private reactionsTo(events: Envelope[], spans: Span[]): { topic: string; message: Message }[] {
    const out: { topic: string; message: Message }[] = [];
    for (const reaction of this.ctx.reactions ?? []) {
      for (const event of events) {
        const { commands, span } = emittedCommands(reaction.manager, reaction.registry, event);
        if (span) spans.push(span);
        for (const wire of commands)
          out.push({
            topic: reaction.topic,
            message: fittingOneBatch(toKafka(wire), 'a command it reacts with'),
          });
      }
    }
    return out;
  }

  /**
   * The same for a rejection recorded without a decision (a reused key, a dead-lettered command):
   * its answer is written whatever happens, so a reaction that fails is logged and left out (the
   * runner of old dead-lettered such an event, which nothing reads either).
   */
  private reactionsOrNone(event: Envelope, spans: Span[]): { topic: string; message: Message }[] {
    try {
      return this.reactionsTo([event], spans);
    } catch (error) {
      this.logger.error({
        msg: 'a process manager failed on a rejection: its commands are not written',
        correlation_id: event.correlationId,
        ...traceIdsOf(event),
        error: String(error),
      });
      return [];
    }
  }

  /** The envelope of a message that could not be decoded, when at least its headers can be read. */
  private headersOf(message: KafkaMessage): Envelope | undefined {
    const h = parseHeaders(fromKafka(message).headers);
    return typeof h === 'string' ? undefined : { ...h, causationId: h.causationId ?? null, data: {} };
  }

  /**
   * Takes the partition's snapshot now, its transaction committed and its state applied (before
   * anything more is decided: a state may change in place), and hands it to the snapshot writer,
   * which writes it outside the transactions (snapshot-writer.ts says why that keeps a rebuild
   * right). `written`: where the broker put the transaction's records of this partition number.
   * A snapshot only saves a rebuild time: one that cannot be made (no offset for the events, a
   * state JSON cannot write, or larger than its topic takes) is logged and left out. Its length,
   * or undefined when it is left out.
   */
  private takeSnapshot(written: RecordMetadata[], events: number): number | undefined {
    const { topics } = this.ctx;
    // The events may have gone in several requests: in one transaction of the partition's single
    // writer they are consecutive from the first request's base offset.
    const bases = written
      .filter((m) => m.topicName === topics.events && m.partition === this.partition && m.baseOffset)
      .map((m) => BigInt(m.baseOffset!));
    if (!bases.length) {
      this.logger.error({ msg: 'no snapshot: the broker returned no offset for the events just written' });
      return undefined;
    }
    const first = bases.reduce((a, b) => (b < a ? b : a));
    const eventsOffset = (first + BigInt(events)).toString();
    let value: string;
    try {
      value = this.snapshot(eventsOffset);
    } catch (error) {
      this.logger.error({ msg: 'no snapshot: the state cannot be written', error: String(error) });
      return undefined;
    }
    if (!snapshotFits(value)) {
      this.logger.error({
        msg: 'no snapshot: the state is larger than its topic takes',
        bytes: Buffer.byteLength(value),
        limit: SNAPSHOT_MAX_BYTES,
      });
      return undefined;
    }
    this.snapshots.write(topics.snapshots, this.partition, value);
    return value.length;
  }

  /** The partition's state and remembered keys as a snapshot's JSON, up to `eventsOffset`. */
  private snapshot(eventsOffset: string): string {
    // Keys older than the window, then the oldest beyond the cap, are forgotten: after that a
    // request with such a key is a new request. The state and the snapshot stay bounded.
    const now = this.ctx.clock().getTime();
    const processed = new Map(this.processed);
    pruneKeys(processed, now, this.ctx.idempotencyWindowMs, this.ctx.idempotencyMaxKeys);
    const snapshot: Snapshot = {
      version: 3,
      eventsOffset,
      states: [...this.states],
      processed: [...processed].map(([k, { at, fingerprint: fp }]): [string, number, string | null] => [
        k,
        at,
        fp ?? null,
      ]),
    };
    return JSON.stringify(snapshot);
  }

  /**
   * Closes the worker's own producer, and writes its own writer's pending snapshot first; a shared
   * group's producer and snapshot writer are closed by whoever made them.
   */
  async close(): Promise<void> {
    await this.ownSnapshots?.close();
    if (this.ownGroup) await this.group.close();
  }
}
