import type { Envelope } from '@gpux/contracts';
import { readForScrape, ServiceMetrics } from '@gpux/platform';
import type { DeadLetterReason, EventSourcingMetrics } from '../metrics/metrics';
import type { PartitionLag } from '../redis/lag';
import type { StoppedPartition } from '../redis/options';

/**
 * The library's figures on a service's Prometheus registry (docs/operations.md, metrics). Labels
 * are command and event types, codes, topics, partitions and projection names: never an id.
 * `observe` receives the events a partition worker committed (a service's own counters).
 * `deadLetters`, what the service may dead-letter (its command processor's topic and reasons, its
 * process managers' topics with `unreadable_event`), is shown at 0 from the start: a series that
 * first appears at 1 shows no `increase()`, so an alert on it would miss the first dead letter.
 */
export function eventSourcingMetrics(
  metrics: ServiceMetrics,
  observe?: (events: readonly Envelope[]) => void,
  deadLetters: readonly { topic: string; reasons: readonly DeadLetterReason[] }[] = [],
): EventSourcingMetrics {
  const decisions = metrics.histogram<'command_type'>({
    name: 'gpux_command_decision_seconds',
    help: 'Time to decide one command and encode its outcome, in the partition worker',
    labelNames: ['command_type'],
  });
  const outcomes = metrics.counter<'command_type' | 'outcome' | 'code'>({
    name: 'gpux_commands_total',
    help: 'Commands whose outcome was committed, by type, outcome (accepted, rejected, unprocessable, duplicate) and rejection code',
    labelNames: ['command_type', 'outcome', 'code'],
  });
  const commits = metrics.counter<'component'>({
    name: 'gpux_kafka_transaction_commits_total',
    help: 'Kafka transactions committed, by writer (command_processor, process_manager)',
    labelNames: ['component'],
  });
  const aborts = metrics.counter<'component'>({
    name: 'gpux_kafka_transaction_aborts_total',
    help: 'Kafka transactions aborted (their batch is read again), by writer',
    labelNames: ['component'],
  });
  const retries = metrics.counter<'component'>({
    name: 'gpux_kafka_transaction_retries_total',
    help: 'Steps of Kafka transactions tried again while the coordinator finished the previous one, by writer',
    labelNames: ['component'],
  });
  const deadLettered = metrics.counter<'topic' | 'reason'>({
    name: 'gpux_dead_letters_total',
    help: 'Messages written to a dead-letter topic, by topic and reason',
    labelNames: ['topic', 'reason'],
  });
  for (const { topic, reasons } of deadLetters)
    for (const reason of reasons) deadLettered.inc({ topic, reason }, 0);
  const rebuilds = projectionRebuilds(metrics);
  return {
    decided: (commandType, seconds) => decisions.observe({ command_type: commandType }, seconds),
    outcome: (commandType, outcome, code) => outcomes.inc({ command_type: commandType, outcome, code }),
    transactionCommitted: (component) => commits.inc({ component }),
    transactionAborted: (component) => aborts.inc({ component }),
    transactionRetried: (component) => retries.inc({ component }),
    deadLettered: (topic, reason) => deadLettered.inc({ topic, reason }),
    projectionRebuilt: (projection) => rebuilds.inc({ projection }),
    ...(observe ? { eventsCommitted: observe } : {}),
  };
}

function projectionRebuilds(metrics: ServiceMetrics) {
  return metrics.counter<'projection'>({
    name: 'gpux_projection_rebuilds_total',
    help: 'Times a read model was cleared and refolded from offset zero (first start, flushed Redis, rebuild)',
    labelNames: ['projection'],
  });
}

/** What a projection's gauges are read from at scrape time. */
export interface ProjectionSource {
  name: string;
  lag(): Promise<PartitionLag[]>;
  stopped(): StoppedPartition[];
}

const sources = new WeakMap<ServiceMetrics, Set<ProjectionSource>>();

/**
 * Projection lag and stopped partitions, read when Prometheus scrapes (one ListOffsets and one
 * HGETALL per projection, bounded by a timeout: a scrape during an outage keeps the last values).
 * Returns the function that unregisters the source (at shutdown).
 */
export function projectionMetrics(metrics: ServiceMetrics, source: ProjectionSource): () => void {
  let registered = sources.get(metrics);
  if (!registered) {
    const all = new Set<ProjectionSource>();
    registered = all;
    sources.set(metrics, all);
    metrics.gauge<'projection' | 'topic' | 'partition'>({
      name: 'gpux_projection_lag_records',
      help: 'Log records a projection has yet to fold, per topic-partition (read_committed end minus checkpoint)',
      labelNames: ['projection', 'topic', 'partition'],
      async collect() {
        const read = await Promise.all(
          [...all].map((s) => readForScrape(() => s.lag()).then((lag) => ({ s, lag }))),
        );
        for (const { s, lag } of read) {
          if (!lag) continue;
          for (const p of lag)
            this.set({ projection: s.name, topic: p.topic, partition: String(p.partition) }, p.lag);
        }
      },
    });
    metrics.gauge<'projection'>({
      name: 'gpux_projection_stopped_partitions',
      help: 'Partitions a projection stopped folding on a poison batch (until a rebuild)',
      labelNames: ['projection'],
      collect() {
        for (const s of all) this.set({ projection: s.name }, s.stopped().length);
      },
    });
    projectionRebuilds(metrics);
  }
  registered.add(source);
  const set = registered;
  return () => void set.delete(source);
}

/** The counters of a read model's runner: rebuilds, and events that waited for their cause. */
export function projectionRunnerMetrics(
  metrics: ServiceMetrics,
): Pick<EventSourcingMetrics, 'projectionRebuilt' | 'projectionCausalWait'> {
  const rebuilds = projectionRebuilds(metrics);
  const waits = metrics.counter<'projection'>({
    name: 'gpux_projection_causal_waits_total',
    help: 'Times a projection paused a partition because its next event waited for its cause on another partition',
    labelNames: ['projection'],
  });
  return {
    projectionRebuilt: (projection) => rebuilds.inc({ projection }),
    projectionCausalWait: (projection) => waits.inc({ projection }),
  };
}
