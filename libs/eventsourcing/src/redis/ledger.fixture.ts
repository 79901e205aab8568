// Test support for the projection runner's specs: a tiny ledger (events, registry, projection),
// and helpers to write it to Kafka, read it back, fold it purely and dump what Redis holds.
import { randomUUID } from 'node:crypto';
import { createTopicsReady } from '@gpux/testing';
import { encodeRaw, Envelope, isMessageOf, MessageOf, MessageRegistry } from '@gpux/contracts';
import type Redis from 'ioredis';
import type { Admin, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { z } from 'zod';
import { applyOps, Model, Projection } from '../domain/projection';
import { toKafka } from '../kafka/codec';
import { prepareBatch } from './batch';
import { globEscape } from './keys';
import type { RedisNotices } from './notices';
import { waitForPosition } from './position';

export const ledgerRegistry = new MessageRegistry();
const account = z.string().min(1);
const opened = ledgerRegistry.define('ledger.Opened', 'event', [
  { version: 1, schema: z.object({ account, owner: z.string().min(1) }) },
]);
const credited = ledgerRegistry.define('ledger.Credited', 'event', [
  // v1 counted whole cents; v2 counts micro-USD and has a memo: decoding upcasts v1.
  { version: 1, schema: z.object({ account, cents: z.number().int().positive() }) },
  {
    version: 2,
    schema: z.object({ account, amount: z.number().int().positive(), memo: z.string().nullable() }),
    upcast: (v1) => {
      const { account: a, cents } = v1 as { account: string; cents: number };
      return { account: a, amount: cents * 10_000, memo: null };
    },
  },
]);
const debited = ledgerRegistry.define('ledger.Debited', 'event', [
  { version: 1, schema: z.object({ account, amount: z.number().int().positive() }) },
]);

const LEDGER_EVENTS = [opened, credited, debited] as const;

export type LedgerEvent = MessageOf<(typeof LEDGER_EVENTS)[number]>;

/** Balances (hincrby), a ledger list (rpush), a last-event string (set), an index (zadd), a counter (incrby). */
export function ledgerProjection(name: string, topics: string[]): Projection {
  const p = `ledger:${name}:`;
  return {
    name,
    topics,
    keyPrefix: p,
    apply(e) {
      if (!isMessageOf(e, LEDGER_EVENTS)) return [];
      const a = e.data.account;
      const common = [
        { op: 'set', key: `${p}last:${a}`, value: e.id },
        { op: 'incrby', key: `${p}events`, by: 1 },
      ] as const;
      switch (e.type) {
        case 'ledger.Opened':
          return [
            ...common,
            { op: 'hset', key: `${p}account:${a}`, field: 'owner', value: e.data.owner },
            { op: 'zadd', key: `${p}accounts`, score: Date.parse(e.time), member: a },
          ];
        case 'ledger.Credited':
          return [
            ...common,
            { op: 'hincrby', key: `${p}account:${a}`, field: 'balance', by: e.data.amount },
            { op: 'rpush', key: `${p}entries:${a}`, value: `+${e.data.amount}` },
          ];
        case 'ledger.Debited':
          return [
            ...common,
            { op: 'hincrby', key: `${p}account:${a}`, field: 'balance', by: -e.data.amount },
            { op: 'rpush', key: `${p}entries:${a}`, value: `-${e.data.amount}` },
          ];
        default:
          return [];
      }
    },
  };
}

let clock = Date.parse('2026-01-01T00:00:00.000Z');

export function envelope(
  event: LedgerEvent,
  schemaVersion = event.type === 'ledger.Credited' ? 2 : 1,
): Envelope {
  clock += 1_000;
  const id = randomUUID();
  return {
    id,
    type: event.type,
    source: 'ledger',
    subject: event.data.account,
    time: new Date(clock).toISOString(),
    schemaVersion,
    correlationId: id,
    causationId: null,
    data: event.data,
  };
}

export const ledgerMessage = (event: LedgerEvent): Message => toKafka(ledgerRegistry.encode(envelope(event)));

/** A v1 credit (whole cents), as an older writer wrote it: read back upcast to v2. */
export const creditV1Message = (accountId: string, cents: number): Message =>
  toKafka(
    encodeRaw({
      ...envelope({ type: 'ledger.Credited', data: { account: accountId, amount: 1, memo: null } }, 1),
      data: { account: accountId, cents },
    }),
  );

/** Messages no registry accepts: bad data, an unknown type, headers that are not an envelope. */
export function unreadableMessages(accountId: string): Message[] {
  return [
    toKafka(
      encodeRaw({
        ...envelope({ type: 'ledger.Debited', data: { account: accountId, amount: 1 } }),
        data: { account: accountId, amount: 1.5 },
      }),
    ),
    toKafka(
      encodeRaw({
        ...envelope({ type: 'ledger.Debited', data: { account: accountId, amount: 1 } }),
        type: 'ledger.Vanished',
      }),
    ),
    { key: accountId, value: 'not json', headers: { 'content-type': 'text/plain' } },
  ];
}

/** The marker a command processor writes when it claims a partition: not a domain event. */
export const claimMarker = (accountId: string): Message =>
  toKafka(
    encodeRaw({
      ...envelope({ type: 'ledger.Opened', data: { account: accountId, owner: 'x' } }),
      type: 'ledger.PartitionClaimed',
      data: { partition: 0, claimId: randomUUID(), owner: 'test' },
    }),
  );

/** A random mix of opens, credits and debits over `accounts` accounts. */
export function randomEvents(
  count: number,
  accounts: string[],
  random: () => number = Math.random,
): Message[] {
  return Array.from({ length: count }, () => {
    const a = accounts[Math.floor(random() * accounts.length)] ?? 'acc-0';
    const r = random();
    if (r < 0.1) return ledgerMessage({ type: 'ledger.Opened', data: { account: a, owner: `owner-${a}` } });
    if (r < 0.7)
      return ledgerMessage({
        type: 'ledger.Credited',
        data: { account: a, amount: 1 + Math.floor(random() * 1_000_000), memo: null },
      });
    return ledgerMessage({
      type: 'ledger.Debited',
      data: { account: a, amount: 1 + Math.floor(random() * 500_000) },
    });
  });
}

/** Sends messages in one committed transaction (so the log holds a commit marker after them). */
export async function sendInTransaction(
  producer: Producer,
  topic: string,
  messages: Message[],
): Promise<void> {
  const tx = await producer.transaction();
  try {
    await tx.send({ topic, messages });
    await tx.commit();
  } catch (error) {
    await tx.abort().catch(() => undefined);
    throw error;
  }
}

export interface LoggedMessage {
  partition: number;
  message: KafkaMessage;
}

/** Reads a topic (read_committed) from the beginning until it has `count` messages. */
export async function readAll(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<LoggedMessage[]> {
  const consumer = kafka.consumer({
    groupId: `fixture-reader-${randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
  });
  const seen: LoggedMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) =>
        void seen.push(...batch.messages.map((message) => ({ partition: batch.partition, message }))),
    });
    const deadline = Date.now() + timeoutMs;
    while (seen.length < count) {
      if (Date.now() > deadline)
        throw new Error(`read only ${seen.length} of ${count} messages from ${topic}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return seen;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/**
 * A ledger topic written to and folded by a projection: created by `open` (with its producer) and
 * deleted by `close`, it sends random events (500 a request), counts what was written, and waits
 * until the projection's checkpoints hold all of it.
 */
export class LedgerFeed {
  written = 0;
  private admin: Admin | undefined;
  private connected: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly redis: Redis,
    private readonly notices: RedisNotices,
    readonly topic: string,
    private readonly projectionName: string,
  ) {}

  async open(partitions: number): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await createTopicsReady(this.admin, {
      waitForLeaders: true,
      topics: [{ topic: this.topic, numPartitions: partitions }],
    });
    this.connected = this.kafka.producer({ idempotent: true });
    await this.connected.connect();
  }

  /** Its producer, once open. */
  get producer(): Producer {
    if (!this.connected) throw new Error(`the feed of ${this.topic} is not open`);
    return this.connected;
  }

  async close(): Promise<void> {
    await this.connected?.disconnect();
    await this.admin?.deleteTopics({ topics: [this.topic] }).catch(() => undefined);
    await this.admin?.disconnect();
  }

  async send(count: number, accounts: string[]): Promise<void> {
    for (let sent = 0; sent < count; sent += 500)
      await this.producer.send({
        topic: this.topic,
        messages: randomEvents(Math.min(500, count - sent), accounts),
      });
    this.written += count;
  }

  /** Counts events written to the topic some other way. */
  wrote(count: number): void {
    this.written += count;
  }

  /** The log as written so far, once the projection has folded all of it. */
  async caughtUp(): Promise<LoggedMessage[]> {
    const log = await readAll(this.kafka, this.topic, this.written);
    for (const [partition, offset] of lastOffsets(log))
      await waitForPosition(
        this.redis,
        this.projectionName,
        { topic: this.topic, partition, offset },
        30_000,
        this.notices,
      );
    return log;
  }
}

/** The pure fold of the log: what Redis must hold, computed without Redis. */
export function foldLog(projection: Projection, topic: string, log: LoggedMessage[]): Model {
  const model: Model = new Map();
  const byPartition = new Map<number, KafkaMessage[]>();
  for (const { partition, message } of log)
    byPartition.set(partition, [...(byPartition.get(partition) ?? []), message]);
  for (const [partition, messages] of byPartition) {
    messages.sort((a, b) => Number(a.offset) - Number(b.offset));
    for (const event of prepareBatch(projection, ledgerRegistry, topic, partition, messages, -1).events)
      applyOps(model, event.ops);
  }
  return model;
}

/** The last offset of each partition in a log read: what to wait for. */
export function lastOffsets(log: LoggedMessage[]): Map<number, string> {
  const last = new Map<number, string>();
  for (const { partition, message } of log) {
    if (Number(message.offset) > Number(last.get(partition) ?? -1)) last.set(partition, message.offset);
  }
  return last;
}

/** Everything Redis holds under a prefix, in the shape of applyOps' model (sorted sets as member → score). */
export async function dumpPrefix(redis: Redis, prefix: string): Promise<Model> {
  const model: Model = new Map();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') model.set(key, (await redis.get(key)) ?? '');
      else if (type === 'hash') model.set(key, new Map(Object.entries(await redis.hgetall(key))));
      else if (type === 'list') model.set(key, await redis.lrange(key, 0, -1));
      else if (type === 'zset') {
        const flat = await redis.zrange(key, 0, -1, 'WITHSCORES');
        const members = new Map<string, string>();
        for (let i = 0; i + 1 < flat.length; i += 2) members.set(flat[i] ?? '', flat[i + 1] ?? '');
        model.set(key, members);
      } else throw new Error(`unexpected ${type} at ${key}`);
    }
  } while (cursor !== '0');
  return model;
}

/** A model as plain sorted JSON-able data, for toEqual with a readable diff. */
export function plain(model: Model): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of [...model.keys()].sort()) {
    const value = model.get(key);
    out[key] =
      value instanceof Map
        ? Object.fromEntries([...value.entries()].sort(([a], [b]) => a.localeCompare(b)))
        : value;
  }
  return out;
}
