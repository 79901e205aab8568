/**
 * `npm run bench:command-floor`: what the least exactly-once command path costs on this machine
 * with this Kafka client, set against bench:commands' ceiling, in one run.
 *
 * - ceiling: bench:commands' own (the same settlement commands produced and consumed read
 *   committed with plain kafkajs, no transactions);
 * - relay: the same commands flooded through a relay of no logic at all, in a process of its own:
 *   it consumes them, writes one record back per command in a Kafka transaction with the consumed
 *   offsets, and this process reads those read committed. That is the Kafka work every command of
 *   the real path has at the least (a command service also decodes, decides, fingerprints and
 *   folds its events into Redis), so `cpuBoundPerSec` here bounds what any service on this client
 *   can reach on this machine's cores, and `boundOfCeiling` bounds bench:commands' `maxOfCeiling`.
 *
 * - relay-rdkafka, with BENCH_RDKAFKA naming a built `@confluentinc/kafka-javascript`: the same relay
 *   on librdkafka (bench/README.md, "command-floor", says how to build it here).
 *
 * `node infra/runtime/run.js bench/command-floor.js relay <in> <out> <group> [kafkajs|rdkafka]` runs
 * a relay.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { topic, TRANSACTION_GROUPS } from '@gpux/contracts';
import { groupOf, TransactionGroup } from '@gpux/eventsourcing';
import { KafkaClients } from '@gpux/platform';
import { uniqueName, waitUntil } from '@gpux/testing';
import type { EachBatchPayload } from 'kafkajs';
import { commands, counting, Flooded, timedFlood } from './commands/flood';
import { watchedProcesses } from './trading/cpu';

const ROOT = resolve(__dirname, '../../..');
const PER_RUN = Number(process.env['BENCH_COMMANDS'] ?? 30_000);
/** Each stage runs this many times, alternating; the best of each is reported. */
const ROUNDS = Number(process.env['BENCH_FLOOR_ROUNDS'] ?? 3);
/** Records per transaction at most, as a command service's (CommandProcessor's default). */
const MAX_PER_TRANSACTION = 1_000;
/** The folder of a built `@confluentinc/kafka-javascript`: the relay runs once more on it (librdkafka). */
const RDKAFKA = process.env['BENCH_RDKAFKA'];
const log = (msg: string) => process.stderr.write(`[bench:command-floor] ${msg}\n`);

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
const clients = new KafkaClients({ clientId: 'bench-command-floor', brokers });

/**
 * The relay: the product's own transaction path (TransactionGroup: settlement's number of groups,
 * group commit across a group's partitions, the offsets in the transaction, its retries) with no
 * decoding and no logic. A partition hands its group one write at a time, at most
 * MAX_PER_TRANSACTION records, as a partition worker does.
 */
async function relay(inTopic: string, outTopic: string, groupId: string): Promise<void> {
  const groups = TRANSACTION_GROUPS.settlement;
  const transactionGroups = Array.from(
    { length: groups },
    (_, g) =>
      new TransactionGroup({
        kafka: clients.kafka,
        transactionalId: `${groupId}-g${g}`,
        groupId,
        commandsTopic: inTopic,
      }),
  );
  await Promise.all(transactionGroups.map((g) => g.start()));
  const consumer = clients.consumer({
    groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 20,
    maxBytesPerPartition: 4 << 20,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: inTopic, fromBeginning: true });
  // A relay that stops relaying ends: the benchmark sees it gone instead of waiting out its timeout.
  consumer.on(consumer.events.CRASH, () => process.exit(1));
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 6,
    eachBatch: async ({ batch }: EachBatchPayload) => {
      const group = transactionGroups[groupOf(batch.partition, groups)];
      if (!group) throw new Error(`no transaction group for partition ${batch.partition}`);
      for (let i = 0; i < batch.messages.length; i += MAX_PER_TRANSACTION) {
        const records = batch.messages.slice(i, i + MAX_PER_TRANSACTION);
        const last = records[records.length - 1];
        if (!last) break;
        await group.commit({
          partition: batch.partition,
          topicMessages: [
            {
              topic: outTopic,
              messages: records.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
            },
          ],
          nextOffset: (BigInt(last.offset) + 1n).toString(),
        });
      }
    },
  });
  process.stderr.write('relay ready\n');
}

/** What the relay uses of librdkafka's own Node API (`@confluentinc/kafka-javascript`, node-rdkafka's). */
interface RdMessage {
  value: Buffer | null;
  key?: Buffer | string | null;
  partition: number;
  offset: number;
  headers?: Record<string, Buffer | string>[];
}
interface RdClient {
  connect(): void;
  once(event: 'ready', listener: () => void): void;
}
interface RdProducer extends RdClient {
  setPollInterval(ms: number): void;
  initTransactions(timeoutMs: number, cb: (e: unknown) => void): void;
  beginTransaction(cb: (e: unknown) => void): void;
  produce(
    topic: string,
    partition: null,
    value: Buffer | null,
    key: Buffer | string | null | undefined,
    timestamp: number,
    opaque: null,
    headers?: Record<string, Buffer | string>[],
  ): void;
  sendOffsetsToTransaction(
    offsets: { topic: string; partition: number; offset: number }[],
    consumer: RdConsumer,
    timeoutMs: number,
    cb: (e: unknown) => void,
  ): void;
  commitTransaction(timeoutMs: number, cb: (e: unknown) => void): void;
}
interface RdConsumer extends RdClient {
  subscribe(topics: string[]): void;
  setDefaultConsumeTimeout(ms: number): void;
  consume(count: number, cb: (e: unknown, messages: RdMessage[]) => void): void;
}
interface Rdkafka {
  Producer: new (conf: Record<string, unknown>) => RdProducer;
  KafkaConsumer: new (conf: Record<string, unknown>, topicConf: Record<string, unknown>) => RdConsumer;
}

/**
 * The same relay on librdkafka's own Node API, for BENCH_RDKAFKA (the folder of a built
 * `@confluentinc/kafka-javascript`; not a dependency of this repository): a read-committed consumer,
 * and one transactional producer writing what each poll brought, with its offsets, per transaction.
 */
async function rdkafkaRelay(inTopic: string, outTopic: string, groupId: string, from: string): Promise<void> {
  const rd = require(from) as Rdkafka;
  const brokerList = brokers.join(',');
  const ready = (client: RdClient) =>
    new Promise<void>((done) => {
      client.once('ready', done);
      client.connect();
    });
  const call = (step: (cb: (e: unknown) => void) => void) =>
    new Promise<void>((done, failed) => step((e) => (e ? failed(e) : done())));
  const producer = new rd.Producer({
    'bootstrap.servers': brokerList,
    'transactional.id': `${groupId}.tx`,
    'linger.ms': 1,
  });
  await ready(producer);
  producer.setPollInterval(20);
  await call((cb) => producer.initTransactions(30_000, cb));
  const consumer = new rd.KafkaConsumer(
    {
      'bootstrap.servers': brokerList,
      'group.id': groupId,
      'enable.auto.commit': false,
      'isolation.level': 'read_committed',
      'fetch.wait.max.ms': 20,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await ready(consumer);
  consumer.setDefaultConsumeTimeout(20);
  consumer.subscribe([inTopic]);
  process.stderr.write('relay ready\n');
  for (;;) {
    const messages = await new Promise<RdMessage[]>((done, failed) =>
      consumer.consume(MAX_PER_TRANSACTION, (e, m) => (e ? failed(e) : done(m))),
    );
    if (!messages.length) continue;
    await call((cb) => producer.beginTransaction(cb));
    const next = new Map<number, number>();
    for (const m of messages) {
      producer.produce(outTopic, null, m.value, m.key, Date.now(), null, m.headers);
      next.set(m.partition, m.offset + 1);
    }
    const offsets = [...next].map(([partition, offset]) => ({ topic: inTopic, partition, offset }));
    await call((cb) => producer.sendOffsetsToTransaction(offsets, consumer, 30_000, cb));
    await call((cb) => producer.commitTransaction(30_000, cb));
  }
}

type Stage = Flooded;

async function main() {
  const admin = await clients.admin();
  const partitions = topic('settlement', 'commands').partitions;
  const kafkaPort = Number(brokers[0]?.split(':').pop()) || undefined;
  const ceilings: Stage[] = [];
  const relays: Stage[] = [];
  const rdkafkaRelays: Stage[] = [];
  let round = 0;
  const fresh = async (name: string) => {
    const t = uniqueName(name);
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: t, numPartitions: partitions }] });
    return t;
  };
  const created: string[] = [];

  const ceiling = async (): Promise<Stage> => {
    const plain = await fresh('floor-plain');
    created.push(plain);
    const { seen, consumer: reader } = await counting(clients, plain);
    const producer = clients.producer({ idempotent: true, maxInFlightRequests: 8 });
    await producer.connect();
    const processes = watchedProcesses(undefined, undefined, kafkaPort);
    const flooded = await timedFlood(
      producer,
      plain,
      commands(PER_RUN, `ceiling-${round}`),
      seen,
      PER_RUN,
      processes,
      waitUntil,
    );
    await reader.disconnect();
    await producer.disconnect();
    return flooded;
  };

  const relayStage = async (client: 'kafkajs' | 'rdkafka'): Promise<Stage> => {
    const [inTopic, outTopic] = [await fresh('floor-in'), await fresh('floor-out')];
    created.push(inTopic, outTopic);
    const child: ChildProcess = spawn(
      'node',
      [
        'infra/runtime/run.js',
        'bench/command-floor.js',
        'relay',
        inTopic,
        outTopic,
        uniqueName('floor-relay'),
        client,
      ],
      { cwd: ROOT, env: process.env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      let ready = false;
      // A relay that ends fails the stage at once (waitUntil would wait out its timeout).
      const ended = new Promise<never>((_, failed) =>
        child.on('exit', () => failed(new Error('the relay ended'))),
      );
      ended.catch(() => undefined);
      const until = (what: string, probe: () => boolean, ms: number) =>
        Promise.race([waitUntil(what, probe, ms), ended]);
      child.stderr?.on('data', (d: Buffer) => {
        if (d.toString().includes('relay ready')) ready = true;
        else process.stderr.write(d);
      });
      await until('the relay', () => ready, 60_000);
      const { seen, consumer: reader } = await counting(clients, outTopic);
      const producer = clients.producer({ idempotent: true, maxInFlightRequests: 8 });
      await producer.connect();
      // One record through first: the relay's consumer has its partitions and its producer its id.
      await producer.send({ topic: inTopic, messages: commands(1, `warm-${round}`) });
      await until('the relay, warming', () => seen.count >= 1, 60_000);
      const processes = watchedProcesses(undefined, undefined, kafkaPort);
      if (child.pid) processes.set('relay', child.pid);
      // PER_RUN more than the warming record.
      const flooded = await timedFlood(
        producer,
        inTopic,
        commands(PER_RUN, `relay-${round}`),
        seen,
        PER_RUN + 1,
        processes,
        until,
      );
      await reader.disconnect();
      await producer.disconnect();
      return flooded;
    } finally {
      child.kill('SIGTERM');
    }
  };

  try {
    for (round = 0; round < ROUNDS; round++) {
      const c = await ceiling();
      log(JSON.stringify({ stage: 'ceiling', round, ...c }));
      ceilings.push(c);
      const r = await relayStage('kafkajs');
      log(JSON.stringify({ stage: 'relay', round, ...r }));
      relays.push(r);
      if (RDKAFKA) {
        const rr = await relayStage('rdkafka');
        log(JSON.stringify({ stage: 'relay-rdkafka', round, ...rr }));
        rdkafkaRelays.push(rr);
      }
    }
  } finally {
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
  }
  const best = (runs: Stage[]) => runs.reduce((a, b) => (b.perSec > a.perSec ? b : a));
  const leastCost = (runs: Stage[]) => Math.min(...runs.map((r) => r.cpuUsPerCommand));
  const ceilingBest = best(ceilings);
  const relayBest = best(relays);
  const relayUs = leastCost(relays);
  const cpuBoundPerSec = Math.round((availableParallelism() * 1e6) / relayUs);
  return {
    bench: 'command-floor',
    ceilingPerSec: ceilingBest.perSec,
    ceilingCpuUsPerMessage: leastCost(ceilings),
    relayPerSec: relayBest.perSec,
    relayOfCeiling: Number((relayBest.perSec / ceilingBest.perSec).toFixed(2)),
    relayCpuUsPerCommand: relayUs,
    // The most commands/s the relay's cost allows on this machine's cores, and that over the ceiling.
    cpuBoundPerSec,
    boundOfCeiling: Number((cpuBoundPerSec / ceilingBest.perSec).toFixed(2)),
    ...(rdkafkaRelays.length
      ? {
          rdkafkaRelayPerSec: best(rdkafkaRelays).perSec,
          rdkafkaRelayCpuUsPerCommand: leastCost(rdkafkaRelays),
        }
      : {}),
    ceilings,
    relays,
    ...(rdkafkaRelays.length ? { rdkafkaRelays } : {}),
  };
}

if (process.argv[2] === 'relay') {
  const [inTopic, outTopic, groupId, client] = process.argv.slice(3);
  if (!inTopic || !outTopic || !groupId)
    throw new Error('usage: command-floor.js relay <in> <out> <group> [kafkajs|rdkafka]');
  (client === 'rdkafka' && RDKAFKA
    ? rdkafkaRelay(inTopic, outTopic, groupId, RDKAFKA)
    : relay(inTopic, outTopic, groupId)
  ).catch((e: unknown) => {
    process.stderr.write(`[relay] failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
  process.on('SIGTERM', () => process.exit(0));
} else {
  main().then(
    async (summary) => {
      await clients.onApplicationShutdown();
      // Exits once the line is written: stdout to a pipe is asynchronous.
      process.stdout.write(`${JSON.stringify(summary)}\n`, () => process.exit(0));
    },
    (error: unknown) => {
      process.stderr.write(
        `[bench:command-floor] failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
