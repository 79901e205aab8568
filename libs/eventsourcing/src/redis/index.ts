// Redis projections (docs/architecture.md §4): the runner, the atomic apply step, read-your-writes and lag.
export { ProjectionRunner } from './runner';
export { DEFAULT_BATCH, DEFAULT_POISON } from './options';
export type {
  KafkaSource,
  PoisonOptions,
  ProjectionBatchOptions,
  ProjectionLogger,
  ProjectionRunnerOptions,
  ProjectionRunnerStats,
  StoppedPartition,
} from './options';
export { APPLY_LUA, applyBatch, encodeBatch } from './apply-script';
export type { ApplyRequest, ApplyResult, BatchEvent } from './apply-script';
export { prepareBatch } from './batch';
export { afterFailure, MAX_RETRY_DELAY_MS } from './poison';
export type { PoisonStep } from './poison';
export type { InvalidMessage, PreparedBatch } from './batch';
export {
  checkpointField,
  parseCheckpointField,
  ProjectionDefinitionError,
  projectionKeys,
  validateProjection,
} from './keys';
export type { ProjectionKeys } from './keys';
export { projectionLag } from './lag';
export type { PartitionLag } from './lag';
export { readyOf, RedisNotices } from './notices';
export type { NoticeWatch } from './notices';
export { readOutcome } from './outcome-read';
export type { ReadOutcome } from './outcome-read';
export { redisScript } from './script';
export type { RedisScript } from './script';
export { ProjectionTimeoutError, readCheckpoint, readCheckpoints, waitForPosition } from './position';
export { finishRebuild, readModelRebuilding, resetReadModel, settledEpoch } from './reset';
export type { ResetOutcome } from './reset';
