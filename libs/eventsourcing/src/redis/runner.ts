/*
 * The projection runner stays one file (about 630 lines): its consumer, the positions it keeps per
 * partition, the epoch it checks and the generation counter that makes a batch begun before a
 * reset stale are one state machine, and its invariants (a batch is applied only from checkpoint
 * + 1, under the current epoch, and never after a reset it did not see) read best in one place.
 * What it uses is apart: the apply script (apply-script.ts), batching (batch.ts), positions
 * (position.ts), lag (lag.ts), resets (reset.ts), poison (poisoned-partitions.ts, poison.ts),
 * events waiting for their causes (causal-waits.ts) and rebuilds into a new generation
 * (rebuild-requests.ts, generation-build.ts, generation.ts).
 */
import type Redis from 'ioredis';
import type { Admin, Batch, Consumer, ConsumerConfig, EachBatchPayload } from 'kafkajs';
import type { Projection } from '../domain/projection';
import { applyBatch, BatchEvent } from './apply-script';
import { applyRequests, commandStart, prepareBatch, requestBefore, withoutRequirements } from './batch';
import { CausalWaits } from './causal-waits';
import { checkpointField, projectionKeys, validateProjection } from './keys';
import { logEndOffsets, PartitionLag, projectionLag } from './lag';
import { readCheckpoint, readCheckpoints } from './position';
import { consumerTiming } from '../kafka/consumer-timing';
import { ConsumerDown, ConsumerRevival } from '../kafka/consumer-revival';
import { PoisonedPartitions } from './poisoned-partitions';
import { onEventlessFetches } from './eventless-fetches';
import { finishRebuild, resetReadModel, settledEpoch } from './reset';
import { RebuildRequests } from './rebuild-requests';
import { ConsumerLinger } from '../kafka/consumer-linger';
import {
  DEFAULT_BATCH,
  DEFAULT_POISON,
  PoisonOptions,
  ProjectionBatchOptions,
  ProjectionLogger,
  ProjectionRunnerOptions,
  ProjectionRunnerStats,
  StoppedPartition,
} from './options';

const ESTABLISH_TIMEOUT_MS = 60_000;
/** The offset kafkajs fetched a batch from (kafkajs 2 sets it; its typings omit it). */
function fetchedOffsetOf(batch: Batch): number {
  const fetched = (batch as Batch & { fetchedOffset?: string }).fetchedOffset;
  if (fetched === undefined)
    throw new Error('kafkajs Batch has no fetchedOffset: this kafkajs version is not supported');
  return Number(fetched);
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Folds a projection's topics into Redis (docs/architecture.md §4). Redis holds the read model and, beside
 * it, the checkpoint of every partition (the last log offset folded, commit markers included),
 * written by the same Lua script call as the batch's writes: a re-delivered event changes
 * nothing. Kafka's consumer group only shares the partitions between instances; positions come
 * from Redis: the first batch after an assignment that does not start at checkpoint + 1 is
 * dropped and the partition sought there, and after a rebuild every partition is sought.
 * Redis losing the model (flush, restart without persistence) shows as a missing epoch, and the
 * runner rebuilds from offset zero by itself, publishing nothing of what the projection publishes
 * for events below the log's end at the reset (a replay, not news; APPLY_LUA). Redis must not
 * evict keys (maxmemory-policy noeviction): a model missing some keys but not its epoch cannot be
 * told from a correct one.
 * A batch that keeps failing (poison: a script error, a projection that throws) is retried a
 * bounded number of times, then its partition alone stops, with one error line, and shows in
 * `stopped()` (and so in /health) until a rebuild (or a new epoch) starts it again.
 * An event that `requires` its cause on another partition is applied once the cause is: its
 * partition is folded up to it and paused, and the events from it on are tried again until the
 * cause is in (CausalWaits).
 */
export class ProjectionRunner {
  readonly stats: ProjectionRunnerStats = {
    batches: 0,
    folded: 0,
    applied: 0,
    invalid: 0,
    markers: 0,
    duplicates: 0,
    rebuilds: 0,
    causalWaits: 0,
  };
  private readonly projection: Projection;
  private readonly redis: Redis;
  private readonly batchOptions: Required<ProjectionBatchOptions>;
  /** Group commit under load: the wait after a busy partition's batch (batch.lingerMs). */
  private readonly linger: ConsumerLinger;
  private readonly poison: Required<PoisonOptions>;
  private readonly poisoned: PoisonedPartitions;
  private readonly causalWaits: CausalWaits;
  private readonly logger: ProjectionLogger;
  private readonly keys: ReturnType<typeof projectionKeys>;
  private consumer: Consumer | undefined;
  private ownAdmin: Admin | undefined;
  private epoch: string | undefined;
  /** Checkpoint the runner believes Redis holds, per `<topic>:<partition>`; absent: ask Redis. */
  private readonly positions = new Map<string, number>();
  private assignment: Record<string, number[]> = {};
  /** Bumped whenever positions are reset (rebuild, adopted epoch, rebalance): a batch begun before is stale. */
  private generation = 0;
  /** When this runner last reset the model, until the refold has caught up (for the log line). */
  private rebuildingSince: number | undefined;
  private establishing: Promise<void> | undefined;
  private readonly rebuilds: RebuildRequests;
  private epochTimer: NodeJS.Timeout | undefined;
  private running = false;
  /** A consumer kafkajs stopped for good is replaced after a pause (consumer-revival.ts). */
  private readonly revival: ConsumerRevival;

  constructor(private readonly options: ProjectionRunnerOptions) {
    validateProjection(options.projection);
    this.projection = options.projection;
    this.redis = options.redis;
    this.batchOptions = { ...DEFAULT_BATCH, ...options.batch };
    this.linger = new ConsumerLinger({
      lingerMs: this.batchOptions.lingerMs,
      fromRecords: this.batchOptions.lingerFromEvents,
    });
    this.poison = { ...DEFAULT_POISON, ...options.poison };
    this.logger = options.logger ?? console;
    this.keys = projectionKeys(options.projection.name);
    this.poisoned = new PoisonedPartitions(this.name, this.poison, this.logger, () => this.consumer);
    this.causalWaits = new CausalWaits(
      this.name,
      this.batchOptions.causalWaitLimitMs,
      this.logger,
      () => this.consumer,
      (field) => this.poisoned.isStopped(field),
    );
    this.revival = new ConsumerRevival({
      what: `projection ${this.name}`,
      logger: this.logger,
      start: () => this.replaceConsumer(),
      ...options.revival,
    });
    this.rebuilds = new RebuildRequests({
      redis: this.redis,
      projectionName: this.name,
      logger: this.logger,
      build: () => ({
        kafka: options.kafka,
        redis: this.redis,
        projection: this.projection,
        registry: options.registry,
        groupId: this.groupId,
        batch: this.batchOptions,
        poison: this.poison,
        logger: this.logger,
        endOffsets: () => this.endOffsets(),
      }),
      onSwitched: async () => {
        this.stats.rebuilds++;
        this.options.metrics?.projectionRebuilt(this.name);
        // Every runner adopts the new epoch and seeks to the generation's checkpoints; this one now.
        await this.establishEpoch(false, 'a rebuilt generation was switched in');
      },
    });
  }

  private get groupId(): string {
    return this.options.groupId ?? `proj-${this.projection.name}`;
  }

  get name(): string {
    return this.projection.name;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.revival.resume();
    try {
      await this.establishEpoch(false, 'start');
      await this.askRebuildIfFoldedOtherwise();
      // Stopped meanwhile (a shutdown while it started: the service listens before its consumers
      // join, so one can come now): no consumer is started that stop() would not disconnect.
      if (!this.running) return;
      await this.startConsumer();
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
    if (this.running) this.scheduleEpochCheck();
  }

  private async startConsumer(): Promise<void> {
    const config: ConsumerConfig = {
      groupId: this.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: this.batchOptions.maxBytesPerPartition,
      maxBytes: this.batchOptions.maxBytes,
      maxWaitTimeInMs: this.batchOptions.maxWaitTimeInMs,
      ...(this.options.sessionTimeoutMs ? consumerTiming(this.options.sessionTimeoutMs) : {}),
    };
    const consumer = this.options.kafka.consumer(config);
    this.consumer = consumer;
    this.linger.follow(consumer);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.revival.joined();
      // A new assignment restarts kafkajs' positions from the group's offsets: ask Redis again.
      this.assignment = payload.memberAssignment;
      this.positions.clear();
      this.causalWaits.clear();
      this.generation++;
      this.poisoned.keepAssigned(payload.memberAssignment);
      this.logger.log({
        msg: 'projection partitions assigned',
        projection: this.name,
        assignment: payload.memberAssignment,
        memberId: payload.memberId,
        joinMs: payload.duration,
      });
      // kafkajs starts each partition at the group's committed offset, and a partition with
      // nothing after it delivers no batch that could notice Redis stands elsewhere (a restart
      // with an emptied Redis: the model needs everything from offset 0). So every assigned
      // partition is sought to its checkpoint + 1 now, not on its next batch.
      void this.seekToCheckpoints().catch((error: unknown) =>
        this.logger.warn({
          msg: 'projection could not seek its new partitions',
          projection: this.name,
          error: String(error),
        }),
      );
    });
    onEventlessFetches(consumer, (topic, partition, first, last) => {
      void this.passEventless(topic, partition, first, last);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.error({
        msg: 'projection consumer crashed',
        projection: this.name,
        error: String(payload.error),
        restart: payload.restart,
      });
      this.revival.crashed(payload);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.projection.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      // Offsets are committed for monitoring (kafka-consumer-groups shows progress), every 5 s.
      autoCommitInterval: 5_000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.batchOptions.partitionsConsumedConcurrently,
      // Failures never reach kafkajs (it would retry the batch without end): see onBatchFailed.
      eachBatch: (payload) =>
        this.onBatch(payload).catch((error: unknown) => this.onBatchFailed(payload, error)),
    });
  }

  /**
   * Moves a partition's checkpoint over `first`..`last`, offsets without events (see
   * END_BATCH_PROCESS above), when they come right after what it applied; anything else (a batch
   * being folded, held events, a reset) is left to the next batch, which asks Redis where it stands.
   */
  private async passEventless(topic: string, partition: number, first: number, last: number): Promise<void> {
    const { generation, epoch } = this;
    const field = checkpointField(topic, partition);
    if (epoch === undefined || this.establishing || this.poisoned.isStopped(field)) return;
    if (last < first || this.positions.get(field) !== first - 1) return;
    try {
      await this.fold({ topic, partition, generation, epoch }, first - 1, [], last);
    } catch (error) {
      this.logger.warn({
        msg: 'projection could not move its checkpoint past offsets without events',
        projection: this.name,
        topic,
        partition,
        error: String(error),
      });
    }
  }

  /** A consumer kafkajs stopped for good, disconnected already: a new one in its place. */
  private async replaceConsumer(): Promise<void> {
    if (!this.running) return;
    await this.consumer?.disconnect().catch(() => undefined);
    await this.startConsumer();
  }

  /** Null while the runner's consumer runs; why it is down while kafkajs has stopped it for good. */
  consumerDown(): ConsumerDown | null {
    return this.revival.down();
  }

  /** Resolves once its consumer has joined its group since start() (ConsumerRevival.untilJoined). */
  untilJoined(): Promise<void> {
    return this.revival.untilJoined();
  }

  /** The partitions stopped on a poison batch (empty while all is well). */
  stopped(): StoppedPartition[] {
    return this.poisoned.list();
  }

  /**
   * A failed batch is read again from the checkpoint after a pause; after `attempts` failures in
   * a row (Redis up) its partition is paused and reported, and the rest go on (PoisonedPartitions).
   */
  private async onBatchFailed({ batch }: EachBatchPayload, error: unknown): Promise<void> {
    const { topic, partition } = batch;
    const field = checkpointField(topic, partition);
    const { generation } = this;
    const offset = (this.positions.get(field) ?? fetchedOffsetOf(batch) - 1) + 1;
    // The next batch asks Redis where the partition stands.
    this.positions.delete(field);
    const again = await this.poisoned.failed(topic, partition, offset, error, this.redis.status !== 'ready');
    // A rebuild or rebalance meanwhile has sought every partition already.
    if (again && generation === this.generation) this.seek(topic, partition, offset);
  }

  private seek(topic: string, partition: number, offset: number): void {
    try {
      this.consumer?.seek({ topic, partition, offset: String(offset) });
    } catch (error) {
      this.logger.warn({
        msg: 'projection could not seek',
        projection: this.name,
        topic,
        partition,
        offset,
        error: String(error),
      });
    }
  }

  /** Leaves the consumer group (its partitions go to another instance at once) and stops checking. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.revival.stop();
    clearTimeout(this.epochTimer);
    this.causalWaits.clear();
    await this.rebuilds.stop();
    await this.consumer?.disconnect();
    this.consumer = undefined;
    await this.establishing?.catch(() => undefined);
    await this.ownAdmin?.disconnect().catch(() => undefined);
    this.ownAdmin = undefined;
  }

  /**
   * Refolds the model from offset zero into a new generation while readers keep reading the
   * current one, then switches to it atomically (generation-build.ts, rebuild-requests.ts).
   * Resolves once the new generation is the model, built here or by the instance that holds the
   * build lock. Another process asks the same by setting the projection's rebuildRequest key.
   */
  rebuild(): Promise<void> {
    return this.rebuilds.request();
  }

  /**
   * A model another version of the projection folded (an upgrade changed what the fold writes) is
   * rebuilt by itself: the runner asks for a rebuild, which one instance serves into a new
   * generation while readers keep reading the old model, and the switch records this version.
   * Asked at start only, so two versions running side by side never ask each other's rebuilds
   * back and forth; a version that another one's build replaced asks again when it restarts.
   */
  private async askRebuildIfFoldedOtherwise(): Promise<void> {
    const folded = await this.redis.get(this.keys.version);
    const ours = this.projection.version ?? null;
    if (folded === ours) return;
    const asked = await this.redis.set(this.keys.rebuildRequest, new Date().toISOString(), 'NX');
    this.logger.warn({
      msg: 'projection model folded by another version: rebuilding it beside the model',
      projection: this.name,
      folded,
      version: ours,
      asked: asked === 'OK' ? 'now' : 'already',
    });
  }

  /** Per topic-partition: checkpoint, read_committed end, and records in between (see PartitionLag). */
  /** When this runner started refolding its model from offset 0 (Redis flushed, or a new version); undefined once whole. */
  refoldingSince(): number | undefined {
    return this.rebuildingSince;
  }

  async lag(): Promise<PartitionLag[]> {
    return projectionLag(await this.admin(), this.redis, this.projection);
  }

  private async admin(): Promise<Admin> {
    const source = this.options.kafka;
    if ('kafka' in source) return source.admin();
    if (!this.ownAdmin) {
      const admin = source.admin();
      await admin.connect();
      this.ownAdmin = admin;
    }
    return this.ownAdmin;
  }

  /**
   * Makes sure the runner writes under the model's current epoch: adopts the one Redis holds, or,
   * when there is none (first start, flushed Redis) or `force`, clears the model and starts one.
   * Then every assigned partition is sought to its checkpoint + 1. One at a time per runner.
   */
  private async establishEpoch(force: boolean, reason: string): Promise<void> {
    if (this.establishing) {
      await this.establishing.catch(() => undefined);
      if (!force) return;
    }
    const run = this.doEstablish(force, reason);
    this.establishing = run;
    try {
      await run;
    } finally {
      if (this.establishing === run) this.establishing = undefined;
    }
  }

  private async doEstablish(force: boolean, reason: string): Promise<void> {
    const deadline = Date.now() + ESTABLISH_TIMEOUT_MS;
    this.generation++;
    for (;;) {
      if (!force) {
        const settled = await settledEpoch(this.redis, this.name);
        if (settled !== undefined) {
          if (settled !== this.epoch && this.epoch !== undefined) {
            this.logger.log({ msg: 'projection adopts a new epoch', projection: this.name, reason });
            this.poisoned.restartAll();
          }
          this.epoch = settled;
          break;
        }
      }
      const outcome = await resetReadModel(this.redis, this.projection, {
        onlyIfNoEpoch: !force,
        endOffsets: await this.endOffsets(),
      });
      if (outcome.kind === 'reset') {
        this.epoch = outcome.epoch;
        this.stats.rebuilds++;
        this.options.metrics?.projectionRebuilt(this.name);
        this.rebuildingSince = Date.now();
        this.poisoned.restartAll();
        this.logger.warn({
          msg: 'projection cleared, rebuilding from offset 0',
          projection: this.name,
          reason,
          keysCleared: outcome.cleared,
        });
        break;
      }
      // Another runner is clearing the model (or took the lock from this reset): its new epoch is
      // the one to adopt.
      force = false;
      if (Date.now() > deadline)
        throw new Error(
          `projection ${this.name}: no epoch after ${ESTABLISH_TIMEOUT_MS} ms (a rebuild lock is held)`,
        );
      await sleep(100);
    }
    await this.seekToCheckpoints();
  }

  /** The log's end now: where a reset's refold, or a build, is complete. */
  private endOffsets(): Promise<Record<string, number>> {
    return logEndOffsets(
      () => this.admin(),
      this.projection.topics,
      (attempt, error) =>
        this.logger.warn({
          msg: 'projection could not read the log end offsets yet',
          projection: this.name,
          attempt,
          error: String(error),
        }),
    );
  }

  private async seekToCheckpoints(): Promise<void> {
    this.positions.clear();
    this.causalWaits.clear();
    this.generation++;
    const consumer = this.consumer;
    if (!consumer) return;
    const checkpoints = await readCheckpoints(this.redis, this.name);
    for (const [topic, partitions] of Object.entries(this.assignment)) {
      for (const partition of partitions) {
        const offset = String((checkpoints.get(checkpointField(topic, partition)) ?? -1) + 1);
        // Idle partitions deliver no batch that could notice the change: seek them all now.
        try {
          consumer.seek({ topic, partition, offset });
        } catch (error) {
          this.logger.warn({
            msg: 'projection could not seek',
            projection: this.name,
            topic,
            partition,
            offset,
            error: String(error),
          });
        }
      }
    }
  }

  private scheduleEpochCheck(): void {
    this.epochTimer = setTimeout(() => void this.checkEpoch(), this.options.epochCheckIntervalMs ?? 500);
    this.epochTimer.unref();
  }

  /** An idle runner writes nothing that a script could refuse: a flush must be noticed here. */
  private async checkEpoch(): Promise<void> {
    try {
      const [current, request] = await this.redis.mget(this.keys.epoch, this.keys.rebuildRequest);
      // A rebuild asked for by another process (or left by an instance that stopped building).
      if (this.running && request !== null && current !== null && !this.rebuilds.active)
        void this.rebuilds.serve().catch((error: unknown) =>
          this.logger.warn({
            msg: 'projection rebuild failed',
            projection: this.name,
            error: String(error),
          }),
        );
      if (this.running && !this.establishing && current !== this.epoch) {
        await this.establishEpoch(
          false,
          current === null ? 'epoch gone: Redis was flushed' : 'another runner rebuilt the model',
        );
      }
      // A refold that has reached the log's end as it was at the reset: readers may trust a miss again.
      if (
        this.running &&
        !this.establishing &&
        (await finishRebuild(this.redis, this.name)) &&
        this.rebuildingSince !== undefined
      ) {
        this.logger.log({
          msg: 'projection rebuilt',
          projection: this.name,
          ms: Date.now() - this.rebuildingSince,
        });
        this.rebuildingSince = undefined;
      }
    } catch (error) {
      this.logger.warn({ msg: 'projection epoch check failed', projection: this.name, error: String(error) });
    } finally {
      if (this.running) this.scheduleEpochCheck();
    }
  }

  /**
   * Applies a partition's events above `checkpoint` up to `lastOffset`, in script calls of at most
   * maxEventsPerCall. Answers the checkpoint reached; `waiting` when an event waits for its cause
   * (the events from it on are held, the partition paused, and `retryHeld` folds them again
   * later); undefined when the partition was sought elsewhere or the model is being reset.
   * `oneAtATime` (a retry of held events): each script call waits for the one before, since
   * after a call that answers `waiting` the rest would only be refused.
   */
  private async fold(
    at: { topic: string; partition: number; generation: number; epoch: string },
    checkpoint: number,
    events: BatchEvent[],
    lastOffset: number,
    oneAtATime = false,
  ): Promise<number | 'waiting' | undefined> {
    const { topic, partition, generation, epoch } = at;
    const field = checkpointField(topic, partition);
    // An event that has waited too long for its cause is applied without it (CausalWaits).
    const overdue = this.causalWaits.overdue(topic, partition);
    const requests = applyRequests(
      { projectionName: this.name, keyPrefix: this.projection.keyPrefix, topic, partition, epoch },
      checkpoint,
      overdue === undefined ? events : withoutRequirements(events, overdue),
      lastOffset,
      this.batchOptions.maxEventsPerCall,
    );
    // Sent together: ioredis pipelines them, Redis runs them in order, each checks its predecessor.
    const pipelined = oneAtATime ? [] : await Promise.all(requests.map((r) => applyBatch(this.redis, r)));
    let reached = checkpoint;
    for (const [i, request] of requests.entries()) {
      const result = oneAtATime ? await applyBatch(this.redis, request) : pipelined[i]!;
      if (generation !== this.generation) return undefined;
      switch (result.status) {
        case 'applied':
          reached = request.lastOffset;
          this.stats.applied += result.applied;
          break;
        case 'duplicate':
          reached = Math.max(reached, result.checkpoint);
          this.stats.duplicates++;
          break;
        case 'diverged':
          this.positions.set(field, result.checkpoint);
          this.seek(topic, partition, result.checkpoint + 1);
          return undefined;
        case 'waiting': {
          // The events before the command of the one that waits go now; the rest are held until
          // its cause is in (a command's events are seen together, its outcome with them).
          const from = commandStart(request, result.offset);
          const before = requestBefore(request, from);
          if (before) {
            const applied = await applyBatch(this.redis, before);
            if (generation !== this.generation) return undefined;
            if (applied.status !== 'applied') {
              // Redis changed meanwhile: the next batch asks it where the partition stands.
              this.positions.delete(field);
              this.seek(topic, partition, from);
              return undefined;
            }
            reached = before.lastOffset;
            this.stats.applied += applied.applied;
          }
          this.positions.set(field, reached);
          this.stats.causalWaits++;
          this.options.metrics?.projectionCausalWait?.(this.name);
          this.poisoned.succeeded(field);
          const held = events.filter((e) => e.offset >= from);
          this.causalWaits.waiting(topic, partition, result.offset, () =>
            this.retryHeld(at, from, held, lastOffset),
          );
          return 'waiting';
        }
        case 'flushed':
          await this.establishEpoch(false, 'epoch gone: Redis was flushed');
          return undefined;
        case 'epoch-changed':
          if (this.epoch === epoch) await this.establishEpoch(false, 'another runner rebuilt the model');
          return undefined;
        case 'checkpoint-lost':
          await this.establishEpoch(true, `checkpoint of ${field} lost after offset ${checkpoint}`);
          return undefined;
      }
    }
    this.positions.set(field, reached);
    this.causalWaits.reached(topic, partition, reached);
    return reached;
  }

  /**
   * Folds the events held since the one at `from` waited for its cause. True while the
   * partition stays paused (it waits again); false to resume it, moved on past what was held, or
   * sought back to `from` when the held events can no longer be trusted (positions reset
   * meanwhile, Redis unreachable), so that they are fetched again.
   */
  private async retryHeld(
    at: { topic: string; partition: number; generation: number; epoch: string },
    from: number,
    held: BatchEvent[],
    lastOffset: number,
  ): Promise<boolean> {
    const { topic, partition, generation } = at;
    const field = checkpointField(topic, partition);
    // A reset or a new assignment since has sought every partition: the held events go.
    if (!this.running || generation !== this.generation) return false;
    try {
      if (this.positions.get(field) !== from - 1) throw new Error('the partition moved meanwhile');
      const reached = await this.fold(at, from - 1, held, lastOffset, true);
      if (reached === 'waiting') return true;
      if (reached !== undefined) this.seek(topic, partition, reached + 1);
      return false;
    } catch (error) {
      if (generation !== this.generation) return false;
      this.logger.warn({
        msg: 'projection reads a partition again after a wait for a cause failed',
        projection: this.name,
        topic,
        partition,
        offset: from,
        error: String(error),
      });
      this.positions.delete(field);
      this.seek(topic, partition, from);
      return false;
    }
  }

  private async onBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    commitOffsetsIfNecessary,
  }: EachBatchPayload): Promise<void> {
    // Nothing is written while the model is being reset; afterwards the positions are new.
    if (this.establishing) await this.establishing.catch(() => undefined);
    const { generation, epoch } = this;
    if (!isRunning() || isStale() || epoch === undefined) return;
    const { topic, partition } = batch;
    const field = checkpointField(topic, partition);
    if (this.poisoned.isStopped(field)) {
      // Stopped on a poison batch (a rebalance may have resumed it): stays stopped until a rebuild.
      this.consumer?.pause([{ topic, partitions: [partition] }]);
      return;
    }
    let checkpoint = this.positions.get(field);
    if (checkpoint === undefined) {
      checkpoint = (await readCheckpoint(this.redis, this.name, topic, partition)) ?? -1;
      if (generation !== this.generation) return;
      this.positions.set(field, checkpoint);
      // Batches must continue exactly where Redis stands; anything else is re-read from there.
      if (fetchedOffsetOf(batch) !== checkpoint + 1) {
        this.consumer?.seek({ topic, partition, offset: String(checkpoint + 1) });
        return;
      }
    }

    const prepared = prepareBatch(
      this.projection,
      this.options.registry,
      topic,
      partition,
      batch.messages,
      checkpoint,
    );
    for (const { offset, reason } of prepared.invalid) {
      this.logger.warn({
        msg: 'projection skipped an unreadable event',
        projection: this.name,
        topic,
        partition,
        offset,
        reason,
      });
    }
    this.stats.batches++;
    this.stats.folded += prepared.folded;
    this.stats.invalid += prepared.invalid.length;
    this.stats.markers += prepared.markers;

    const reached = await this.fold(
      { topic, partition, generation, epoch },
      checkpoint,
      prepared.events,
      Number(batch.lastOffset()),
    );
    if (typeof reached !== 'number') return;
    if (reached > Number(batch.lastOffset())) {
      // Redis is ahead of this consumer (another instance applied more): skip to where it stands.
      this.consumer?.seek({ topic, partition, offset: String(reached + 1) });
      return;
    }
    this.poisoned.succeeded(field);
    resolveOffset(batch.lastOffset());
    await commitOffsetsIfNecessary().catch((error: unknown) => {
      this.logger.warn({
        msg: 'projection could not commit its monitoring offsets',
        projection: this.name,
        error: String(error),
      });
    });
    await heartbeat();
    // Folded: under load, let the next call's events gather first (a read-your-writes wait on this
    // model pays at most the linger, and only under load; orders', on every order's answer, has 0).
    if (isRunning()) await this.linger.after({ records: batch.messages.length, awaited: false });
  }
}
