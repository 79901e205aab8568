/**
 * What bench:commands and bench:command-floor share: the settlement commands they send, how they
 * send them (a flood, or paced), the read-committed consumer that sees what comes back, and what a
 * run cost the machine.
 */
import { randomUUID } from 'node:crypto';
import { HEADERS, settlementMessages } from '@gpux/contracts';
import { commandMessage } from '@gpux/eventsourcing/testing';
import { KafkaClients } from '@gpux/platform';
import type { Consumer, Message, Producer } from 'kafkajs';
import { cpuMeter } from '../trading/cpu';

/** Accounts the commands are spread over (each one opened first by bench:commands). */
export const ACCOUNTS = 2_000;

/**
 * What a run cost the machine: the cores each process used (the settlement service, the broker, its
 * Redis, this benchmark's own producer and consumer), and all of them together in CPU microseconds
 * per command. `kafkaJit` is part of the broker's figure, not added again.
 */
export function cpuOf(cores: Record<string, number>, seconds: number, count: number) {
  const total = Object.entries(cores)
    .filter(([name]) => name !== 'kafkaJit')
    .reduce((sum, [, c]) => sum + c, 0);
  return { cores, cpuUsPerCommand: Math.round((total * seconds * 1e6) / count) };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Sends messages in batches of `batch` every batch/rate seconds: an offered load, not a flood. */
export async function producePaced(
  producer: Producer,
  topicName: string,
  messages: Message[],
  batch: number,
  rate: number,
  sentAt: Map<string, number>,
) {
  const start = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < messages.length; i += batch) {
    const due = start + (i / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const slice = messages.slice(i, i + batch);
    const now = performance.now();
    for (const m of slice)
      sentAt.set(String((m.headers as Record<string, string>)[HEADERS.idempotencyKey]), now);
    pending.push(producer.send({ topic: topicName, messages: slice }));
  }
  await Promise.all(pending);
}

/** Sends messages in batches of `batch`, at most `inFlight` requests at once, as fast as they go. */
export async function produceAll(
  producer: Producer,
  topicName: string,
  messages: Message[],
  batch: number,
  sentAt?: Map<string, number>,
) {
  const inFlight = 8;
  let next = 0;
  const lane = async () => {
    while (next < messages.length) {
      const slice = messages.slice(next, (next += batch));
      const now = performance.now();
      if (sentAt)
        for (const m of slice)
          sentAt.set(String((m.headers as Record<string, string>)[HEADERS.idempotencyKey]), now);
      await producer.send({ topic: topicName, messages: slice });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}

/** A read-committed consumer of a topic from the start, calling back for every record. */
export async function consume(
  clients: KafkaClients,
  topicName: string,
  onRecord: (headers: Record<string, string>) => void,
): Promise<Consumer> {
  const consumer = clients.consumer({
    groupId: `bench-${randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 20,
    maxBytesPerPartition: 4 << 20,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: topicName, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 6,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
        onRecord(headers);
      }
    },
  });
  return consumer;
}

/** What a counting consumer has seen: how many records, and when (performance.now()) the last came. */
export interface Seen {
  count: number;
  lastAt: number;
}

/**
 * A read-committed consumer of a topic from the start that counts its records. A rate is taken to
 * `lastAt`, the moment the last record came, not to when a poll noticed it.
 */
export async function counting(
  clients: KafkaClients,
  topicName: string,
): Promise<{ seen: Seen; consumer: Consumer }> {
  const seen: Seen = { count: 0, lastAt: 0 };
  const consumer = await consume(clients, topicName, () => {
    seen.count++;
    seen.lastAt = performance.now();
  });
  return { seen, consumer };
}

/** A flood's figures: its rate to the last record's arrival, and what it cost the machine. */
export interface Flooded {
  perSec: number;
  cores: Record<string, number>;
  cpuUsPerCommand: number;
}

/**
 * Floods `messages` into `topicName` (batches of 500, 8 at once) and waits, with `until`, for
 * `seen` (a counting consumer of wherever they come out) to reach `expected`; the rate is taken
 * to the last record's arrival, the CPU over `processes` (cpuMeter) to the wait's end.
 */
export async function timedFlood(
  producer: Producer,
  topicName: string,
  messages: Message[],
  seen: Seen,
  expected: number,
  processes: Map<string, number>,
  until: (what: string, probe: () => boolean, timeoutMs: number) => Promise<void>,
): Promise<Flooded> {
  const meter = cpuMeter(processes);
  const started = performance.now();
  await produceAll(producer, topicName, messages, 500);
  await until(`${expected} records from ${topicName}`, () => seen.count >= expected, 300_000);
  const cost = cpuOf(meter(), (performance.now() - started) / 1000, messages.length);
  return { perSec: Math.round(messages.length / ((seen.lastAt - started) / 1000)), ...cost };
}

export function commands(count: number, runId: string): Message[] {
  return Array.from({ length: count }, (_, i) => {
    const accountId = `acc-${i % ACCOUNTS}`;
    const type = i % 3 === 2 ? 'settlement.Withdraw' : 'settlement.Deposit';
    return commandMessage(settlementMessages, {
      type,
      subject: accountId,
      data: { accountId, amount: 1 + (i % 977) },
      idempotencyKey: `${runId}-${i}`,
    });
  });
}
