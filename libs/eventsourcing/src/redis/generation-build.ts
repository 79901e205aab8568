import { randomUUID } from 'node:crypto';
import type { MessageRegistry } from '@gpux/contracts';
import type Redis from 'ioredis';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Projection } from '../domain/projection';
import { applyBatch, BatchEvent } from './apply-script';
import {
  applyRequests,
  historyWithoutRequirements,
  prepareBatch,
  requestBefore,
  withoutRequirements,
} from './batch';
import { CausalWaits } from './causal-waits';
import {
  deleteIfEquals,
  dropUnfinishedGenerations,
  switchGeneration,
  TokenLock,
  unlinkPrefix,
} from './generation';
import { checkpointField, generationKeys, projectionKeys } from './keys';
import { onEventlessFetches } from './eventless-fetches';
import { afterFailure } from './poison';
import type { KafkaSource, PoisonOptions, ProjectionBatchOptions, ProjectionLogger } from './options';

const LOCK_TTL_MS = 30_000;
const TICK_MS = 100;
/** A build that has fetched nothing for this long has folded all Kafka gives it: try the switch. */
const IDLE_MS = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface GenerationBuildOptions {
  kafka: Kafka | KafkaSource;
  redis: Redis;
  projection: Projection;
  registry: MessageRegistry;
  /** The runner's group id: the build's consumer joins `<groupId>-build-<generation>`, alone. */
  groupId: string;
  batch: Required<ProjectionBatchOptions>;
  poison: Required<PoisonOptions>;
  logger: ProjectionLogger;
  /** The log's end offsets now (`<topic>:<partition>` → next offset): the build aims for them. */
  endOffsets: () => Promise<Record<string, number>>;
}

export type GenerationBuildOutcome =
  | { kind: 'switched'; generation: string; epoch: string; removed: number; moved: number; ms: number }
  /** Another runner holds the build lock: it serves the request. */
  | { kind: 'busy' }
  /** Given up, its keys deleted: Redis was flushed or reset meanwhile, a batch kept failing, or stop(). */
  | { kind: 'abandoned'; reason: string; final: boolean };

/**
 * Builds a new generation of a projection's model beside the one readers read, then switches to
 * it (generation.ts): a rebuild readers never notice. The current model keeps being folded live
 * by the runners meanwhile, so readers and read-your-writes see it up to date until the switch,
 * which only happens once the new generation is at or past it on every partition.
 *
 * One build at a time over every instance (the build lock); its consumer is a group of its own,
 * so it reads every partition from offset zero, and it writes only under the generation's keys.
 */
export class GenerationBuild {
  private consumer: Consumer | undefined;
  private readonly checkpoints = new Map<string, number>();
  private failures = 0;
  private lastBatchAt = Date.now();
  private problem: string | undefined;
  private stopping = false;
  /** Given up on a batch that kept failing: trying again would fail again. */
  private final = false;
  private readonly causalWaits: CausalWaits;
  /** The log's end offsets when the build began: below them, events do not wait for their causes. */
  private ends: Record<string, number> = {};
  /** Whether an event was folded without waiting for its cause: the switch then waits for the ends. */
  private causesSkipped = false;

  constructor(private readonly options: GenerationBuildOptions) {
    this.causalWaits = new CausalWaits(
      options.projection.name,
      options.batch.causalWaitLimitMs,
      options.logger,
      () => this.consumer,
    );
  }

  /** Stops the build (it is abandoned): run() resolves soon after. */
  stop(): void {
    this.stopping = true;
  }

  async run(): Promise<GenerationBuildOutcome> {
    const { redis, projection } = this.options;
    const own = projectionKeys(projection.name);
    const token = randomUUID();
    const lock = new TokenLock(redis, own.buildLock, token, LOCK_TTL_MS);
    if (!(await lock.take())) return { kind: 'busy' };
    const started = Date.now();
    const generation = `${started.toString(36)}-${token.slice(0, 8)}`;
    try {
      const request = await redis.get(own.rebuildRequest);
      // Named first: a build that lost the lock (a long pause) then writes nothing more, and what
      // it wrote goes with everything else no build owns.
      await redis.set(own.building, generation);
      await dropUnfinishedGenerations(redis, projection.name);
      const ends = await this.options.endOffsets();
      this.ends = ends;
      await this.startConsumer(generation);
      for (;;) {
        await sleep(TICK_MS);
        if (this.stopping) this.problem ??= 'the runner stopped';
        if (!this.problem && !(await lock.refresh()))
          this.problem = 'the build lock was lost (Redis flushed?)';
        if (this.problem) break;
        // Once an event was folded without its cause, only the ends vouch for the causes: Kafka
        // having nothing more for a while does not.
        if (!this.reached(ends) && (this.causesSkipped || Date.now() - this.lastBatchAt < IDLE_MS)) continue;
        const epoch = `${Date.now().toString(36)}-${token}`;
        const outcome = await switchGeneration(redis, { projection, generation, epoch, request });
        if (outcome.kind === 'switched') return { ...outcome, generation, epoch, ms: Date.now() - started };
        if (outcome.kind === 'abandoned') this.problem = 'another build or a flush replaced it';
        if (outcome.kind === 'no-epoch') this.problem = 'the model is being reset (flushed?)';
      }
      return { kind: 'abandoned', reason: this.problem, final: this.final };
    } finally {
      this.causalWaits.clear();
      await this.consumer?.disconnect().catch(() => undefined);
      // Whatever the switch did not rename (all of it, when abandoned) goes, in the background.
      const next = generationKeys(projection.name, generation);
      await unlinkPrefix(redis, next.modelPrefix).catch(() => undefined);
      await redis.unlink(next.checkpoint).catch(() => undefined);
      await deleteIfEquals(redis, own.building, generation);
      await lock.release();
    }
  }

  /** Every partition folded up to the end offsets the build began with. */
  private reached(ends: Record<string, number>): boolean {
    return Object.entries(ends).every(([field, end]) => (this.checkpoints.get(field) ?? -1) + 1 >= end);
  }

  private async startConsumer(generation: string): Promise<void> {
    const { kafka, projection, batch } = this.options;
    const consumer = kafka.consumer({
      groupId: `${this.options.groupId}-build-${generation}`,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: batch.maxBytesPerPartition,
      maxBytes: batch.maxBytes,
      maxWaitTimeInMs: batch.maxWaitTimeInMs,
    });
    this.consumer = consumer;
    // As the runner's: a build that folded an event without its cause switches only at the end it
    // aims for, which a partition whose tail is an aborted transaction reaches only this way.
    onEventlessFetches(consumer, (topic, partition, first, last) => {
      void this.passEventless(generation, topic, partition, first, last);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: projection.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: batch.partitionsConsumedConcurrently,
      eachBatch: (payload) =>
        this.onBatch(generation, payload).catch((error: unknown) => this.onFailure(payload, error)),
    });
  }

  /** The checkpoint past offsets without events (see startConsumer), if the partition is just before them. */
  private async passEventless(
    generation: string,
    topic: string,
    partition: number,
    first: number,
    last: number,
  ): Promise<void> {
    const field = checkpointField(topic, partition);
    if (this.problem || last < first || (this.checkpoints.get(field) ?? -1) !== first - 1) return;
    try {
      await this.fold(generation, topic, partition, first - 1, [], last);
    } catch (error) {
      this.options.logger.warn({
        msg: 'rebuild could not move its checkpoint past offsets without events',
        projection: this.options.projection.name,
        topic,
        partition,
        error: String(error),
      });
    }
  }

  private async onBatch(
    generation: string,
    { batch, isRunning, isStale, resolveOffset, heartbeat }: EachBatchPayload,
  ): Promise<void> {
    if (this.problem || !isRunning() || isStale()) return;
    const { projection, registry } = this.options;
    const { topic, partition } = batch;
    const field = checkpointField(topic, partition);
    const checkpoint = this.checkpoints.get(field) ?? -1;
    const prepared = prepareBatch(projection, registry, topic, partition, batch.messages, checkpoint);
    const reached = await this.fold(
      generation,
      topic,
      partition,
      checkpoint,
      prepared.events,
      Number(batch.lastOffset()),
    );
    if (typeof reached !== 'number') return;
    this.failures = 0;
    this.lastBatchAt = Date.now();
    resolveOffset(batch.lastOffset());
    await heartbeat();
  }

  /**
   * Applies a partition's events above `checkpoint` into the generation (as the runner's fold):
   * the checkpoint reached, `waiting` while an event waits for its cause (the rest held, the
   * partition paused), or undefined when it was sought elsewhere or the build has a problem.
   * `oneAtATime` for a retry of held events, as the runner's.
   */
  private async fold(
    generation: string,
    topic: string,
    partition: number,
    checkpoint: number,
    events: BatchEvent[],
    lastOffset: number,
    oneAtATime = false,
  ): Promise<number | 'waiting' | undefined> {
    const { projection, redis } = this.options;
    const field = checkpointField(topic, partition);
    const base = { projectionName: projection.name, keyPrefix: projection.keyPrefix, topic, partition };
    const overdue = this.causalWaits.overdue(topic, partition);
    // Below the ends the build began with, an event does not wait for its cause: the generation is
    // read only after the switch, which waits for every partition to reach those ends, and by then
    // the cause, in the log before its effect, is folded too. Waiting would make partitions whose
    // causes run both ways take turns (settlement's: about a minute for 20,000 events).
    const history = historyWithoutRequirements(events, this.ends[field] ?? 0);
    if (history !== events) this.causesSkipped = true;
    const requests = applyRequests(
      { ...base, epoch: generation, generation },
      checkpoint,
      overdue === undefined ? history : withoutRequirements(history, overdue),
      lastOffset,
      this.options.batch.maxEventsPerCall,
    );
    const pipelined = oneAtATime ? [] : await Promise.all(requests.map((r) => applyBatch(redis, r)));
    let reached = checkpoint;
    for (const [i, request] of requests.entries()) {
      const result = oneAtATime ? await applyBatch(redis, request) : pipelined[i]!;
      if (result.status === 'applied') reached = request.lastOffset;
      else if (result.status === 'duplicate') reached = Math.max(reached, result.checkpoint);
      else if (result.status === 'diverged') {
        this.checkpoints.set(field, result.checkpoint);
        this.consumer?.seek({ topic, partition, offset: String(result.checkpoint + 1) });
        return undefined;
      } else if (result.status === 'waiting') {
        // The events before the one that waits for its cause go now; the rest once it is in.
        const before = requestBefore(request, result.offset);
        const applied = before ? await applyBatch(redis, before) : undefined;
        if (before && applied?.status !== 'applied') {
          this.problem = `the generation changed under a batch of ${field} (Redis flushed, or another build)`;
          return undefined;
        }
        if (before) reached = before.lastOffset;
        this.checkpoints.set(field, reached);
        this.lastBatchAt = Date.now();
        const held = events.filter((e) => e.offset >= result.offset);
        this.causalWaits.waiting(topic, partition, result.offset, async () => {
          if (this.problem || this.stopping) return true;
          try {
            const again = await this.fold(
              generation,
              topic,
              partition,
              result.offset - 1,
              held,
              lastOffset,
              true,
            );
            if (again === 'waiting') return true;
            if (again !== undefined) this.consumer?.seek({ topic, partition, offset: String(again + 1) });
          } catch {
            // Kafka fetched past the held events while they waited: read again from the first of
            // them (as the live runner does), or the next batch went on top of the checkpoint
            // before them and the generation switched in without them.
            this.consumer?.seek({ topic, partition, offset: String(result.offset) });
          }
          return false;
        });
        return 'waiting';
      } else {
        this.problem = `the generation's ${result.status === 'checkpoint-lost' ? 'checkpoints were lost' : 'building key changed'} (Redis flushed, or another build)`;
        return undefined;
      }
    }
    this.checkpoints.set(field, reached);
    this.causalWaits.reached(topic, partition, reached);
    this.lastBatchAt = Date.now();
    return reached;
  }

  /** A failing batch is read again after a pause (poison.ts); once it has failed every attempt the build gives up. */
  private async onFailure({ batch }: EachBatchPayload, error: unknown): Promise<void> {
    const step = afterFailure(this.failures, this.options.redis.status !== 'ready', this.options.poison);
    this.failures = step.attempts;
    if (step.kind === 'stop') {
      this.final = true;
      this.problem = `a batch of ${batch.topic}:${batch.partition} failed ${step.attempts} times: ${String(error)}`;
      return;
    }
    this.options.logger.warn({
      msg: 'generation build batch failed, retrying',
      projection: this.options.projection.name,
      topic: batch.topic,
      partition: batch.partition,
      error: String(error),
    });
    await sleep(step.delayMs);
    const offset = (this.checkpoints.get(checkpointField(batch.topic, batch.partition)) ?? -1) + 1;
    this.consumer?.seek({ topic: batch.topic, partition: batch.partition, offset: String(offset) });
  }
}
