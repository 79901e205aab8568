import { Kafka } from 'kafkajs';
import { MessageRegistry } from '@gpux/contracts';
import { Decider, Message as DomainMessage } from '../domain/decider';
import { EventSourcingMetrics } from '../metrics/metrics';
import { InlineReaction } from './reactions';
import type { SnapshotSink } from './snapshot-writer';

/** One aggregate type: its decider and the message types that belong to it. */
export interface DeciderRegistration {
  /** Unique within the service; part of the state key, so keep it stable. */
  name: string;
  // The library stores states as JSON and routes by type: the concrete types are the decider's.
  decider: Decider<DomainMessage, DomainMessage, unknown>;
  commandTypes: readonly string[];
  eventTypes: readonly string[];
  /** Turns a state read back from a JSON snapshot into a live one (when it holds more than JSON). */
  revive?: (json: unknown) => unknown;
}

/**
 * Registers a typed decider. The library routes by message type and keeps states as JSON, so it
 * holds every decider under the widest types; routing guarantees each only sees its own types.
 */
export function registerDecider<C extends DomainMessage, E extends DomainMessage, S>(
  name: string,
  decider: Decider<C, E, S>,
  types: { commands: readonly C['type'][]; events: readonly E['type'][]; revive?: (json: unknown) => S },
): DeciderRegistration {
  return {
    name,
    decider,
    commandTypes: types.commands,
    eventTypes: types.events,
    ...(types.revive ? { revive: types.revive } : {}),
  };
}

export interface ServiceTopics {
  commands: string;
  events: string;
  snapshots: string;
  deadLetter: string;
}

export interface WorkerContext {
  kafka: Kafka;
  service: string;
  topics: ServiceTopics;
  /** Partitions of each of the service's topics (commands, events and snapshots share it). */
  partitions: number;
  registry: MessageRegistry;
  deciders: DeciderRegistration[];
  groupId: string;
  owner: string;
  clock: () => Date;
  snapshotEveryEvents: number;
  snapshotEveryMs: number;
  maxCommandsPerTransaction: number;
  rebuildTimeoutMs: number;
  /** How long an idempotency key is remembered after its outcome; after it, a repeat is a new request. */
  idempotencyWindowMs: number;
  /** The most keys a partition remembers: beyond it the oldest are forgotten first. */
  idempotencyMaxKeys: number;
  /**
   * Process managers of this service's own events, run here: the commands they emit for an event
   * are written in the transaction that writes the event (one hop fewer than a separate runner).
   */
  reactions?: InlineReaction[];
  /** Test seam: runs after the writes of a transaction of commands (not a claim's), before its commit (a zombie's moment). */
  beforeCommit?: () => Promise<void>;
  /**
   * Where the partitions' snapshots are written, outside their transactions (snapshot-writer.ts);
   * without one, each worker writes its own through a producer of its own.
   */
  snapshots?: SnapshotSink;
  /** Where decisions, outcomes, transactions and dead letters are counted (in-process only; nothing is, without). */
  metrics?: EventSourcingMetrics;
}
