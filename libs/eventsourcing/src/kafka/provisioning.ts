import type { TopicSpec } from '@gpux/contracts';
import { Admin, ConfigResourceTypes } from 'kafkajs';
import { SNAPSHOT_MAX_BYTES } from './record-batches';

/** A topic on the broker disagrees with the registry: the service must not start on it. */
export class TopicMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopicMismatchError';
  }
}

function configEntries(spec: TopicSpec): { name: string; value: string }[] {
  const entries = [
    { name: 'cleanup.policy', value: spec.cleanupPolicy },
    { name: 'retention.ms', value: String(spec.retentionMs) },
    // Never by size: an events topic must keep every event, whatever the broker's default.
    { name: 'retention.bytes', value: '-1' },
  ];
  if (spec.role === 'snapshots')
    entries.push(
      // A snapshot holds a partition's whole state: allow it to be larger than an event.
      { name: 'max.message.bytes', value: String(SNAPSHOT_MAX_BYTES) },
      // Compaction never touches the active segment: rolled hourly (not weekly), the snapshots a
      // claim reads before the latest are at most an hour's, not a week's (one a minute).
      { name: 'segment.ms', value: String(60 * 60 * 1000) },
      { name: 'min.cleanable.dirty.ratio', value: '0.1' },
    );
  return entries;
}

const CHECKED = new Set(['cleanup.policy', 'retention.ms', 'retention.bytes']);

/**
 * How a topic differs from the registry, in words. `lengthens`: the topic keeps records for less
 * time than the registry says, and nothing else differs in it; keeping them longer loses nothing,
 * so provisioning makes it so rather than refuse to start (a registry that raised a retention).
 */
interface Differences {
  problems: string[];
  lengthens: boolean;
}

/** Whether a retention of `wanted` ms keeps everything `actual` keeps, and more. */
const keepsLonger = (actual: string | undefined, wanted: string): boolean =>
  Number(actual) > 0 && (Number(wanted) === -1 || Number(wanted) > Number(actual));

/** What differs between the broker's topic and the registry's; no problems when they agree. */
async function differences(admin: Admin, specs: TopicSpec[]): Promise<Map<string, Differences>> {
  const out = new Map<string, Differences>();
  if (specs.length === 0) return out;
  const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((s) => ({
      type: ConfigResourceTypes.TOPIC,
      name: s.name,
      configNames: [...CHECKED],
    })),
  });
  for (const spec of specs) {
    const problems: string[] = [];
    let shorter = false;
    const meta = topics.find((t) => t.name === spec.name);
    const partitions = meta?.partitions.length ?? 0;
    if (partitions !== spec.partitions)
      problems.push(`has ${partitions} partitions, the registry says ${spec.partitions}`);
    const resource = configs.resources.find((r) => r.resourceName === spec.name);
    // What the registry has always said, checked; what tunes a topic (sizes, segments) is set when it
    // is created and not held against one created before.
    for (const wanted of configEntries(spec).filter((e) => CHECKED.has(e.name))) {
      const actual = resource?.configEntries.find((c) => c.configName === wanted.name)?.configValue;
      if (actual === wanted.value) continue;
      problems.push(`has ${wanted.name}=${actual ?? '(unset)'}, the registry says ${wanted.value}`);
      if (wanted.name === 'retention.ms' && keepsLonger(actual, wanted.value)) shorter = true;
    }
    out.set(spec.name, { problems, lengthens: shorter && problems.length === 1 });
  }
  return out;
}

/**
 * Creates the topics that are missing, leaves those that match the registry, keeps longer the
 * records of one whose retention the registry raised, and refuses (throws TopicMismatchError naming
 * the topic and the difference) when an existing one disagrees otherwise.
 */
export async function provisionTopics(
  admin: Admin,
  specs: TopicSpec[],
  timeoutMs = 30_000,
): Promise<{ created: string[]; matched: string[]; lengthened: string[] }> {
  // Services start side by side and create each other's topics: right after a creation the broker
  // may still answer "does not host this topic-partition" or "not the leader". Those pass.
  const deadline = Date.now() + timeoutMs;
  // The topics there before the first attempt: one that failed after creating some (a broker just
  // started) must not make the next attempt count them as there before.
  let before: Set<string> | undefined;
  for (;;) {
    try {
      before ??= new Set(await admin.listTopics());
      return await provisionOnce(admin, specs, before, deadline);
    } catch (error) {
      if (error instanceof TopicMismatchError || !transient(error) || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** A broker error that goes away by itself while new topics settle. */
function transient(error: unknown): boolean {
  const e = error as { retriable?: boolean; type?: string; message?: string } | null;
  return Boolean(
    e &&
    (e.retriable ||
      /UNKNOWN_TOPIC_OR_PARTITION|LEADER_NOT_AVAILABLE|NOT_LEADER/.test(e.type ?? '') ||
      /does not host|not the leader|leader not available/i.test(e.message ?? '')),
  );
}

async function provisionOnce(
  admin: Admin,
  specs: TopicSpec[],
  before: Set<string>,
  deadline: number,
): Promise<{ created: string[]; matched: string[]; lengthened: string[] }> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.name));
  if (missing.length > 0) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          configEntries: configEntries(s),
        })),
      });
    } catch (error) {
      // Another instance may have created them a moment ago: the check below decides.
      if (!(error instanceof Error) || !/exists/i.test(error.message + JSON.stringify(error))) throw error;
    }
  }
  await awaitLeaders(admin, specs);
  let diffs = await differences(admin, specs);
  const lengthen = specs.filter((s) => diffs.get(s.name)?.lengthens);
  if (lengthen.length > 0) {
    // AlterConfigs sets what it is given and resets the rest: it is given all the registry sets.
    await admin.alterConfigs({
      validateOnly: false,
      resources: lengthen.map((s) => ({
        type: ConfigResourceTypes.TOPIC,
        name: s.name,
        configEntries: configEntries(s),
      })),
    });
    // The controller accepts the change before the broker that describes the topic has applied it
    // (KRaft: from the metadata log, a moment later; longer on a loaded machine): until then the
    // topic reads as it was. Read again until no lengthened topic keeps less than the registry says.
    for (;;) {
      diffs = await differences(admin, specs);
      if (!lengthen.some((s) => diffs.get(s.name)?.lengthens) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const wrong = [...diffs].filter(([, d]) => d.problems.length > 0).map(([n, d]) => [n, d.problems] as const);
  if (wrong.length > 0) {
    const [name, problems] = wrong[0]!;
    const more = wrong.length > 1 ? ` (and ${wrong.length - 1} more topic(s))` : '';
    throw new TopicMismatchError(
      `topic ${name} ${problems.join(' and ')}; fix the topic or the registry${more}`,
    );
  }
  return {
    created: specs.filter((s) => !before.has(s.name)).map((s) => s.name),
    matched: specs.filter((s) => before.has(s.name)).map((s) => s.name),
    lengthened: lengthen.map((s) => s.name),
  };
}

/**
 * Waits until every partition of the topics has a leader. Services start side by side and create
 * each other's topics; a topic another one created a moment ago (or one created in a batch that
 * failed on a topic that already existed) may not have leaders yet, and reading or writing it then
 * fails with "This server does not host this topic-partition".
 */
async function awaitLeaders(admin: Admin, specs: TopicSpec[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let pending: string[];
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
      pending = specs
        .filter((spec) => {
          const meta = topics.find((t) => t.name === spec.name);
          // A partition count that disagrees with the registry is for the check that follows to report.
          return !meta || meta.partitions.length === 0 || meta.partitions.some((p) => p.leader < 0);
        })
        .map((s) => s.name);
    } catch (error) {
      // Metadata of a topic still being created can be refused outright: try again.
      pending = [error instanceof Error ? error.message : String(error)];
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`topics have no leaders after ${timeoutMs} ms: ${pending.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
