import { z } from 'zod';

/**
 * A group-commit linger under load, in ms (domain/fetch-linger.ts): `fallback` where the service
 * sets none of its own. Each service says its own: one whose consumer is on a command's answer
 * path (orders) waits 0, one off it may trade a few tens of ms under load for fewer transactions.
 */
export const lingerMsSetting = (fallback: number) =>
  z.coerce.number().int().min(0).max(1_000).default(fallback);

/** The configuration every event-sourced service adds to the base one. */
export const eventSourcingConfigShape = {
  /** Prefix of every topic name, for tests and benchmarks on a shared broker; empty in production. */
  TOPIC_NAMESPACE: z
    .string()
    .regex(/^([a-z0-9][a-z0-9-]{0,62})?$/, 'must be empty or lower-case letters, digits and -')
    .default(''),
  SNAPSHOT_EVERY_EVENTS: z.coerce.number().int().min(1).max(10_000_000).default(5_000),
  SNAPSHOT_EVERY_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  /** Commands decided per Kafka transaction: larger is faster, smaller loses less work to a crash. */
  MAX_COMMANDS_PER_TRANSACTION: z.coerce.number().int().min(1).max(10_000).default(1_000),
  /**
   * Group commit under load: after a partition's batch of several commands that no client sent
   * (process managers'), how long (ms) after it the next fetch waits, so that one transaction
   * carries what queued meanwhile; a lone command, or a batch with a client's, never waits. 0 takes
   * what is there.
   */
  COMMAND_LINGER_MS: lingerMsSetting(0),
  /** The same for the service's read model: how long (ms) its next fetch waits after a busy batch. */
  READ_MODEL_LINGER_MS: lingerMsSetting(0),
  /** How long a silent member keeps its partitions: also how long a crashed owner's partitions wait. */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(10_000),
  /**
   * How long an idempotency key is remembered after its outcome (set the gateway's alike). After it
   * the key is forgotten: a request with it is a new request.
   */
  IDEMPOTENCY_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(30 * 86_400_000)
    .default(86_400_000),
  /** The most idempotency keys a partition remembers; beyond it the oldest are forgotten first. */
  IDEMPOTENCY_MAX_KEYS: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
};

/** The module options that come from that configuration. */
export function eventSourcingSettings(config: {
  TOPIC_NAMESPACE: string;
  SNAPSHOT_EVERY_EVENTS: number;
  SNAPSHOT_EVERY_MS: number;
  KAFKA_SESSION_TIMEOUT_MS: number;
  MAX_COMMANDS_PER_TRANSACTION: number;
  COMMAND_LINGER_MS: number;
  IDEMPOTENCY_WINDOW_MS: number;
  IDEMPOTENCY_MAX_KEYS: number;
}) {
  return {
    namespace: config.TOPIC_NAMESPACE,
    snapshotEveryEvents: config.SNAPSHOT_EVERY_EVENTS,
    snapshotEveryMs: config.SNAPSHOT_EVERY_MS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    maxCommandsPerTransaction: config.MAX_COMMANDS_PER_TRANSACTION,
    commandLingerMs: config.COMMAND_LINGER_MS,
    idempotencyWindowMs: config.IDEMPOTENCY_WINDOW_MS,
    idempotencyMaxKeys: config.IDEMPOTENCY_MAX_KEYS,
  };
}
