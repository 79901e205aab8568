import { randomUUID } from 'node:crypto';
import {
  AssignerProtocol,
  PartitionAssigners,
  type Admin,
  type Consumer,
  type Kafka,
  type KafkaMessage,
} from 'kafkajs';

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * Reads a topic from the beginning (read committed unless told otherwise) until `done` says
 * enough, or fails after `timeoutMs` saying how much it saw.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  done: (records: ReadRecord[]) => boolean,
  options: { timeoutMs?: number; readUncommitted?: boolean } = {},
): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({
    groupId: `test-reader-${randomUUID()}`,
    readUncommitted: options.readUncommitted ?? false,
    maxWaitTimeInMs: 100,
  });
  const records: ReadRecord[] = [];
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`reading ${topic}: only ${records.length} records after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const toRecord = (partition: number, m: KafkaMessage): ReadRecord => ({
        partition,
        offset: m.offset,
        key: m.key?.toString() ?? '',
        value: m.value?.toString() ?? '',
        headers: Object.fromEntries(
          Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v)]),
        ),
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) records.push(toRecord(batch.partition, m));
            if (done(records)) resolve();
          },
        })
        .catch(reject);
      if (done(records)) resolve();
    });
    return records;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}

/** Waits `ms` and then reads again: proof that nothing more arrives. */
export async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/**
 * A member of `groupId` that joined with a partition assignor of another name, as an instance of
 * another version could in a rolling upgrade. While it is in the group the broker refuses every
 * member that offers only the usual assignors ("the group member's supported protocols are
 * incompatible with those of existing members"), an error kafkajs stops a consumer on for good.
 * Resolves once it has joined; disconnect it to let the others in. It commits no offset, so what
 * was written meanwhile waits for the members under test (with kafkajs' auto-commit it committed
 * what it fetched, and a process manager that joined after it never saw those events).
 */
export async function joinWithOtherAssignor(kafka: Kafka, groupId: string, topic: string): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [
      (config) => ({
        ...PartitionAssigners.roundRobin(config),
        name: 'OtherVersion',
        protocol: ({ topics }) => ({
          name: 'OtherVersion',
          metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
        }),
      }),
    ],
  });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
  await joined;
  return consumer;
}

/**
 * A member of `groupId` that holds every other member's join until released, as an instance
 * killed within its session does a restarted one's: it joins first, alone, and as the group's
 * leader keeps its assignment (kafkajs' round robin, the projections' assignor) to itself, silent,
 * sending no heartbeat. A member joining meanwhile waits at the broker for it (up to its 2-minute
 * session and rebalance timeouts). Resolves once it holds the group; `release()` lets it assign,
 * join with the others (whose join then completes) and leave; it may be called again.
 */
export async function holdGroupJoin(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<{ release(): Promise<void> }> {
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let holding = (): void => undefined;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 120_000,
    rebalanceTimeout: 120_000,
    partitionAssigners: [
      (config) => {
        const roundRobin = PartitionAssigners.roundRobin(config);
        return {
          ...roundRobin,
          assign: async (group) => {
            holding();
            await gate;
            return roundRobin.assign(group);
          },
        };
      },
    ],
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  // Resolves once it has joined: after the release.
  const running = consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async () => undefined,
  });
  // Alone in the group, it leads: its assignor is asked.
  await held;
  let released: Promise<void> | undefined;
  return {
    release: () =>
      (released ??= (async () => {
        open();
        await running;
        await consumer.disconnect();
      })()),
  };
}

/** A broker's answer about a topic it created a moment ago and does not serve yet. */
function notServedYet(error: unknown): boolean {
  const e = error as { type?: string; message?: string } | null;
  return Boolean(
    e &&
    (/UNKNOWN_TOPIC_OR_PARTITION|LEADER_NOT_AVAILABLE|NOT_LEADER/.test(e.type ?? '') ||
      /does not host|not the leader|leader not available/i.test(e.message ?? '')),
  );
}

/**
 * `admin.createTopics` (same options and answer), then waits until every partition of them has a
 * leader. A broker just started may answer the metadata request of kafkajs' own wait for leaders
 * "This server does not host this topic-partition" for a topic it has just created, which kafkajs
 * does not retry: a test's first topic on a fresh broker failed with it (the services' own
 * provisionTopics passes it by).
 */
export async function createTopicsReady(
  admin: Admin,
  options: Parameters<Admin['createTopics']>[0],
  timeoutMs = 30_000,
): Promise<boolean> {
  let created = true;
  try {
    created = await admin.createTopics(options);
  } catch (error) {
    if (!notServedYet(error)) throw error;
  }
  const names = options.topics.map((t) => t.topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      const led = (name: string) => {
        const meta = topics.find((t) => t.name === name);
        return Boolean(meta && meta.partitions.length > 0 && meta.partitions.every((p) => p.leader >= 0));
      };
      if (names.every(led)) return created;
    } catch (error) {
      if (!notServedYet(error)) throw error;
    }
    if (Date.now() > deadline)
      throw new Error(`topics ${names.join(', ')} have no leaders after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
