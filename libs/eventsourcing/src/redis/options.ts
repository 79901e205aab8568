import type { MessageRegistry } from '@gpux/contracts';
import type Redis from 'ioredis';
import type { Admin, Consumer, ConsumerConfig, Kafka } from 'kafkajs';
import type { Projection } from '../domain/projection';
import type { ConsumerRevivalOptions } from '../kafka/consumer-revival';
import type { EventSourcingMetrics } from '../metrics/metrics';

/** What the runner logs through: Nest's Logger, pino, or console all fit. Messages are objects. */
export interface ProjectionLogger {
  log(message: object): void;
  warn(message: object): void;
  error(message: object): void;
}

/** The platform's KafkaClients, structurally: consumers it tracks for shutdown, a shared admin. */
export interface KafkaSource {
  kafka: Kafka;
  consumer(config: ConsumerConfig): Consumer;
  admin(): Promise<Admin>;
}

export interface ProjectionBatchOptions {
  /** Bytes fetched per partition per request (kafkajs maxBytesPerPartition). */
  maxBytesPerPartition?: number;
  /** Bytes per fetch request over all partitions (kafkajs maxBytes). */
  maxBytes?: number;
  /** How long an idle fetch waits on the broker; also bounds how long stop() waits. */
  maxWaitTimeInMs?: number;
  /** Events per script call: bounds how long one call holds Redis (other clients wait meanwhile). */
  maxEventsPerCall?: number;
  /** Partitions folded at once; each partition stays strictly in order. */
  partitionsConsumedConcurrently?: number;
  /**
   * How long an event waits for its cause on another partition (a `requires`) before it is
   * applied without it, with a warning: a cause that never comes must not stop a partition.
   */
  causalWaitLimitMs?: number;
  /**
   * Group commit under load (domain/fetch-linger.ts): after a partition's batch of `lingerFromEvents`
   * events or more, the next fetch waits until this long (ms) after that batch's came back, so the
   * next script call folds what gathered meanwhile. 0: never wait (a read model on a command's
   * answer path, where every millisecond is the caller's).
   */
  lingerMs?: number;
  /** The smallest batch (events of one partition) after which the next fetch lingers. */
  lingerFromEvents?: number;
}

export interface ProjectionRunnerOptions {
  kafka: Kafka | KafkaSource;
  redis: Redis;
  projection: Projection;
  registry: MessageRegistry;
  /** Default `proj-<name>`. Offsets committed there are for monitoring: Redis holds the real position. */
  groupId?: string;
  batch?: ProjectionBatchOptions;
  /** Consumer session timeout: how long the partitions of a crashed instance wait before moving. */
  sessionTimeoutMs?: number;
  /** How often an idle runner checks that Redis still holds its epoch (was not flushed). */
  epochCheckIntervalMs?: number;
  /** What a batch that keeps failing gets before its partition stops (see PoisonOptions). */
  poison?: PoisonOptions;
  /** The pauses before a consumer kafkajs stopped for good is replaced (ConsumerRevival: 1 s doubling to 30 s). */
  revival?: Pick<ConsumerRevivalOptions, 'initialDelayMs' | 'maxDelayMs'>;
  logger?: ProjectionLogger;
  /** Where rebuilds are counted (nothing is, without). */
  metrics?: Pick<EventSourcingMetrics, 'projectionRebuilt' | 'projectionCausalWait'>;
}

/**
 * A batch that fails while Redis is up (a script error such as WRONGTYPE, a projection that
 * throws) is tried `attempts` times in all, `backoffMs` apart (doubling), then its partition
 * stops: nothing after it is folded there until a rebuild, /health says so, other partitions go
 * on. Failures while the Redis connection is down are retried without end and not counted: that
 * is an outage (which /health shows as Redis down), not a poison batch.
 */
export interface PoisonOptions {
  attempts?: number;
  backoffMs?: number;
}

export const DEFAULT_POISON: Required<PoisonOptions> = { attempts: 5, backoffMs: 200 };

/** A partition a projection stopped folding: the batch from `offset` failed every attempt. */
export interface StoppedPartition {
  projection: string;
  topic: string;
  partition: number;
  /** The first offset not folded (checkpoint + 1). */
  offset: number;
  error: string;
  attempts: number;
  /** When it stopped (ISO). */
  at: string;
}

export interface ProjectionRunnerStats {
  batches: number;
  /** Events decoded and folded (with or without writes). */
  folded: number;
  /** Events whose writes reached Redis (re-deliveries not counted). */
  applied: number;
  invalid: number;
  markers: number;
  duplicates: number;
  rebuilds: number;
  /** Times a partition paused because its next event waited for its cause (CausalWaits). */
  causalWaits: number;
}

/**
 * Measured with bench/replay.ts (bench/README.md), where these knobs made no difference beyond
 * noise: replay is bound by Node (kafkajs decoding, validation). 4 MiB per partition keeps a
 * replay's batches large; 2,000 events per script call hold Redis about 2.5 ms, short enough
 * that other clients barely wait.
 */
export const DEFAULT_BATCH: Required<ProjectionBatchOptions> = {
  maxBytesPerPartition: 4 * 1024 * 1024,
  maxBytes: 16 * 1024 * 1024,
  maxWaitTimeInMs: 250,
  maxEventsPerCall: 2_000,
  partitionsConsumedConcurrently: 2,
  causalWaitLimitMs: 30_000,
  lingerMs: 0,
  // One command's events (an order and its trades) stay below it: a lone command's events never
  // wait; a partition this busy has dozens queued.
  lingerFromEvents: 32,
};
