import { fixedSegment, redisKey } from '@gpux/contracts';
import type { Projection } from '../domain/projection';

/**
 * The Redis keys a projection's runner keeps beside its read model, built like every other key
 * by redisKey (libs/contracts/src/lib/redis-key.ts: caller-chosen segments are length-prefixed,
 * so no two families ever share a key). They live under `proj:<len>.<name>:`, never under the projection's own keyPrefix, so a rebuild that clears the read
 * model keeps them (and validateKeyPrefix refuses a prefix that would swallow them).
 */
export interface ProjectionKeys {
  /** Hash `<topic>:<partition>` → last log offset applied (data, aborted or marker record). */
  checkpoint: string;
  /** A token set when the read model was (re)built; gone means Redis was flushed. */
  epoch: string;
  /** Held by the one runner that clears and rebuilds, so two runners never clear each other. */
  rebuildLock: string;
  /** Pub/sub channel: `<topic>:<partition> <offset>` after each applied batch. */
  applied: string;
  /**
   * Set with the new epoch by a reset, to that epoch and the log's end offsets at that moment (JSON
   * `{ "epoch": "…", "ends": { "<topic>:<partition>": offset } }`), and deleted once every
   * checkpoint has reached them: while it exists the model is still refolding and a missing key
   * may yet appear, and what the projection publishes for an event below its partition's end is
   * not published (a replay, not news).
   */
  rebuilding: string;
  /** Set (to when it was asked, ISO) to ask for a rebuild into a new generation; the switch deletes it. */
  rebuildRequest: string;
  /** Held by the one runner that builds a new generation (not rebuildLock: readers' epoch stays settled). */
  buildLock: string;
  /** The id of the generation being built; gone or another id: that build is abandoned. */
  building: string;
  /**
   * The projection's version that folded the model (Projection.version), set with the epoch by a
   * reset and by a generation's switch; absent for a projection without one.
   */
  version: string;
}

/**
 * Where a new generation of a projection's model is built, beside the current one: its
 * checkpoints, and its copy of every model key (`modelPrefix` + the key the projection writes).
 * The prefix holds the generation id as a length-prefixed segment, so two generations, or a
 * generation and the model itself, never share a key; the switch renames each key back to the
 * part after the prefix.
 */
export interface GenerationKeys {
  checkpoint: string;
  modelPrefix: string;
}

export function generationKeys(projectionName: string, generation: string): GenerationKeys {
  return {
    checkpoint: redisKey`proj:${projectionName}:next:${generation}:checkpoint`,
    modelPrefix: `${redisKey`proj:${projectionName}:next:${generation}:model`}:`,
  };
}

/** Every idempotency reservation of the CommandSender starts with this, outside every read model. */
export const RESERVATIONS_PREFIX = 'idempotency:';

/**
 * Where the CommandSender binds a client's idempotency key to its request's fingerprint for the
 * window (per service). Outside every read model's keyPrefix (validateProjection refuses one that
 * covers it), so neither a reset nor a generation switch deletes it; a FLUSHALL does, and the
 * partition still refuses a reused key from the log.
 */
export function reservationKey(service: string, idempotencyKey: string): string {
  return redisKey`idempotency:${fixedSegment(service)}:${idempotencyKey}`;
}

/** The prefix of every generation ever built of a projection (a SCAN of it finds abandoned ones). */
export function generationsPrefix(projectionName: string): string {
  return `${redisKey`proj:${projectionName}:next`}:`;
}

export function projectionKeys(projectionName: string): ProjectionKeys {
  return {
    checkpoint: redisKey`proj:${projectionName}:checkpoint`,
    epoch: redisKey`proj:${projectionName}:epoch`,
    rebuildLock: redisKey`proj:${projectionName}:rebuild-lock`,
    applied: redisKey`proj:${projectionName}:applied`,
    rebuilding: redisKey`proj:${projectionName}:rebuilding`,
    rebuildRequest: redisKey`proj:${projectionName}:rebuild-request`,
    buildLock: redisKey`proj:${projectionName}:build-lock`,
    building: redisKey`proj:${projectionName}:building`,
    version: redisKey`proj:${projectionName}:version`,
  };
}

export function checkpointField(topic: string, partition: number): string {
  // Kafka topic names hold no ':' ([a-zA-Z0-9._-]), so the last ':' splits the field.
  return `${topic}:${partition}`;
}

export function parseCheckpointField(field: string): { topic: string; partition: number } | undefined {
  const at = field.lastIndexOf(':');
  const partition = Number(field.slice(at + 1));
  if (at <= 0 || !Number.isInteger(partition) || partition < 0) return undefined;
  return { topic: field.slice(0, at), partition };
}

/** Makes a literal prefix safe inside a SCAN MATCH glob. */
export function globEscape(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Programming errors in a projection's definition or output: fail loudly, never write. */
export class ProjectionDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectionDefinitionError';
  }
}

/**
 * A rebuild deletes every key under keyPrefix: an empty prefix would empty the database, and a
 * prefix of the runner's own keys would delete its checkpoints in the middle of a rebuild.
 */
export function validateProjection(projection: Projection): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(projection.name)) {
    throw new ProjectionDefinitionError(
      `projection name ${JSON.stringify(projection.name)} must be letters, digits, . _ - only`,
    );
  }
  if (projection.keyPrefix.length < 2) {
    throw new ProjectionDefinitionError(
      `projection ${projection.name}: keyPrefix ${JSON.stringify(projection.keyPrefix)} is too short to rebuild safely`,
    );
  }
  const own = [
    ...Object.values(projectionKeys(projection.name)),
    generationsPrefix(projection.name),
    RESERVATIONS_PREFIX,
  ];
  if (own.some((key) => key.startsWith(projection.keyPrefix) || projection.keyPrefix.startsWith(key))) {
    throw new ProjectionDefinitionError(
      `projection ${projection.name}: keyPrefix ${projection.keyPrefix} would cover the runner's own keys (${projectionKeys(projection.name).epoch} and its siblings) or the idempotency reservations (${RESERVATIONS_PREFIX})`,
    );
  }
  if (projection.topics.length === 0)
    throw new ProjectionDefinitionError(`projection ${projection.name} reads no topic`);
}
