import type { Envelope } from '@gpux/contracts';

/** Why a message was dead-lettered: a fixed set, so the label stays bounded (the full reason is in the message's header). */
export type DeadLetterReason =
  /** A command that did not decode (bad schema, unknown type, unreadable bytes). */
  | 'undecodable'
  /** A command of a type this service does not handle. */
  | 'not_handled'
  /** The decider produced an event its schema refuses. */
  | 'invalid_outcome'
  /** The decider (decide or evolve) threw. */
  | 'decider_failed'
  /** An outcome (an event, or a command a process manager reacted with) larger than a record may be. */
  | 'outcome_too_large'
  /** A process manager could not read or react to an event. */
  | 'unreadable_event';

/** Why a command processor dead-letters a command, for series that exist at 0 before the first. */
export const COMMAND_DEAD_LETTER_REASONS = [
  'undecodable',
  'not_handled',
  'invalid_outcome',
  'decider_failed',
  'outcome_too_large',
] as const satisfies readonly DeadLetterReason[];

/** What became of a command: accepted, rejected with a code, dead-lettered (UNPROCESSABLE), or a retry of one already answered. */
export type CommandOutcomeKind = 'accepted' | 'rejected' | 'unprocessable' | 'duplicate';

/** Which transactional writer a transaction figure is about. */
export type TransactionalComponent = 'command_processor' | 'process_manager';

/**
 * What the Kafka and Redis edges of the library report (docs/operations.md, metrics). The library
 * stays free of any metrics client: a service passes an implementation (the Nest modules build one
 * on the service's Prometheus registry); without one nothing is measured. Every call is in-process
 * and cheap: nothing here may do I/O on the command path.
 */
export interface EventSourcingMetrics {
  /** A command was decided (decide and encoding its outcome) in `seconds`. */
  decided(commandType: string, seconds: number): void;
  /** A command's outcome was committed. `code` is the rejection's code ('' when accepted). */
  outcome(commandType: string, outcome: CommandOutcomeKind, code: string): void;
  transactionCommitted(component: TransactionalComponent): void;
  transactionAborted(component: TransactionalComponent): void;
  /** A step of a transaction was tried again (the coordinator was still finishing the previous one). */
  transactionRetried(component: TransactionalComponent): void;
  /** A message was written to `topic` (a dead-letter topic), committed. */
  deadLettered(topic: string, reason: DeadLetterReason): void;
  /** A projection's read model was cleared to be refolded from offset zero. */
  projectionRebuilt(projection: string): void;
  /** A projection's partition paused: its next event waits for its cause on another partition. */
  projectionCausalWait?: (projection: string) => void;
  /**
   * Events a partition worker just committed, for a service's own figures (e.g. verdicts by
   * reason). Absent: the worker does not even collect them.
   */
  eventsCommitted?: (events: readonly Envelope[]) => void;
}

/** Measures nothing: the default where no service registry is given (tests, benchmarks, tools). */
export const NO_METRICS: EventSourcingMetrics = {
  decided: () => undefined,
  outcome: () => undefined,
  transactionCommitted: () => undefined,
  transactionAborted: () => undefined,
  transactionRetried: () => undefined,
  deadLettered: () => undefined,
  projectionRebuilt: () => undefined,
};
