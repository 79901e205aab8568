/**
 * The one registry of Kafka topics (docs/architecture.md §3). Provisioning creates topics from it and
 * refuses to start when the broker disagrees; documentation is generated from it.
 */

/**
 * The services that own an event log. The gateway owns none: it sends commands and reads models;
 * nor does pricing, which folds orders' and capacity's events into its read models and decides
 * nothing.
 */
export const EVENT_SOURCED_SERVICES = ['orders', 'settlement', 'capacity'] as const;
export type EventSourcedService = (typeof EVENT_SOURCED_SERVICES)[number];

export type TopicRole = 'commands' | 'events' | 'snapshots' | 'dead-letter';

export interface TopicSpec {
  name: string;
  owner: EventSourcedService;
  role: TopicRole;
  partitions: number;
  cleanupPolicy: 'delete' | 'compact';
  /** -1: kept forever. */
  retentionMs: number;
  description: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Commands, events and snapshots of one service share a partition count: the owner of command
 * partition p writes event partition p and snapshot partition p (single writer per partition),
 * so changing it for one means changing it for all three, which provisioning refuses to do.
 */
export const PARTITIONS: Record<EventSourcedService, number> = {
  orders: 6,
  settlement: 6,
  capacity: 3,
};

/**
 * How many transaction groups a service's command partitions fall into (partition p in group
 * p mod n): the partitions of a group are written in one Kafka transaction at a time, so a busy
 * service commits one transaction per group, not per partition, and at most this many instances
 * share a service's work. It can grow up to the partition count; every instance of a service must
 * use the same number, so a change stops them all first (docs/architecture.md §3).
 */
export const TRANSACTION_GROUPS: Record<EventSourcedService, number> = {
  orders: 2,
  settlement: 2,
  capacity: 3,
};

function registryTopicsOf(service: EventSourcedService): TopicSpec[] {
  const partitions = PARTITIONS[service];
  return [
    {
      name: `${service}.commands`,
      owner: service,
      role: 'commands',
      partitions,
      cleanupPolicy: 'delete',
      // Commands are inputs; their outcomes live forever in the events. Kept as long as the dead
      // letters that point into them (a dead letter too large to copy names its command's place),
      // and longer than any outage a partition is expected to come back from.
      retentionMs: 30 * DAY_MS,
      description: `Commands for ${service}, keyed by aggregate id.`,
    },
    {
      name: `${service}.events`,
      owner: service,
      role: 'events',
      partitions,
      cleanupPolicy: 'delete',
      retentionMs: -1,
      description: `Every event of ${service}: the source of truth, kept forever.`,
    },
    {
      name: `${service}.snapshots`,
      owner: service,
      role: 'snapshots',
      partitions,
      cleanupPolicy: 'compact',
      retentionMs: -1,
      description: `Latest state per partition of ${service}, to rebuild quickly; derivable from the events.`,
    },
    {
      name: `${service}.dead-letter`,
      owner: service,
      role: 'dead-letter',
      partitions: 1,
      cleanupPolicy: 'delete',
      retentionMs: 30 * DAY_MS,
      description: `Messages ${service} could not process, with the reason, for a person to look at.`,
    },
  ];
}

export const TOPICS: readonly TopicSpec[] = EVENT_SOURCED_SERVICES.flatMap(registryTopicsOf);

/**
 * The registry's topic, its name prefixed with `namespace.` when one is given: tests and
 * benchmarks run in a namespace of their own (TOPIC_NAMESPACE) on a shared broker.
 */
export function topic(service: EventSourcedService, role: TopicRole, namespace = ''): TopicSpec {
  const found = TOPICS.find((t) => t.owner === service && t.role === role);
  if (!found) throw new Error(`no ${role} topic for ${service}`);
  return namespace ? { ...found, name: `${namespace}.${found.name}` } : found;
}

/** Every topic a service owns, in a namespace. */
export function topicsOf(service: EventSourcedService, namespace = ''): TopicSpec[] {
  return (['commands', 'events', 'snapshots', 'dead-letter'] as const).map((role) =>
    topic(service, role, namespace),
  );
}
