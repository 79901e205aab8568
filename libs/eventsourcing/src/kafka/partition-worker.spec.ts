import { Logger } from '@nestjs/common';
import { defineServiceMessages, MessageRegistry } from '@gpux/contracts';
import type { Kafka, KafkaMessage, Message } from 'kafkajs';
import { z } from 'zod';
import { accept, Decider } from '../domain/decider';
import { commandMessage } from '../testing/commands';
import { fromKafka } from './codec';
import { PartitionWorker, registerDecider, WorkerContext } from './partition-worker';

/**
 * The worker without a broker: a producer that records what each committed transaction writes.
 * A counter whose evolve adds in place, and fails part-way for a step of 13 (a decider bug).
 */
const registry = new MessageRegistry();
const step = z.object({ id: z.string().min(1), by: z.number().int() });
registry.define('counter.Add', 'command', [{ version: 1, schema: step }]);
registry.define('counter.Added', 'event', [{ version: 1, schema: step }]);
registry.define('counter.Doubled', 'event', [{ version: 1, schema: step }]);
defineServiceMessages(registry, 'counter');

type Cmd = { type: 'counter.Add'; data: { id: string; by: number } };
type Evt = { type: 'counter.Added' | 'counter.Doubled'; data: { id: string; by: number } };
type State = { total: number; log: number[] };

const counter: Decider<Cmd, Evt, State> = {
  get initialState() {
    return { total: 0, log: [] };
  },
  decide: (c) => accept({ type: 'counter.Added', data: c.data }, { type: 'counter.Doubled', data: c.data }),
  evolve(state, e) {
    state.log.push(e.data.by); // in place, like a market's book
    if (e.type === 'counter.Doubled' && e.data.by === 13) throw new Error('unlucky');
    state.total += e.data.by;
    return state;
  },
};

const topics = {
  commands: 'counter.commands',
  events: 'counter.events',
  snapshots: 'counter.snapshots',
  deadLetter: 'counter.dlq',
};

function worker() {
  const committed: Record<string, Message[]> = {};
  const producer = {
    transaction: async () => {
      const writes: Record<string, Message[]> = {};
      return {
        sendBatch: async ({ topicMessages }: { topicMessages: { topic: string; messages: Message[] }[] }) =>
          topicMessages.map((t) => {
            (writes[t.topic] ??= []).push(...t.messages);
            return { topicName: t.topic, partition: 0, errorCode: 0, baseOffset: '0' };
          }),
        send: async () => [],
        sendOffsets: async () => undefined,
        commit: async () => {
          for (const [t, ms] of Object.entries(writes)) (committed[t] ??= []).push(...ms);
        },
        abort: async () => undefined,
      };
    },
  };
  const ctx: WorkerContext = {
    kafka: {} as Kafka,
    service: 'counter',
    topics,
    partitions: 1,
    registry,
    deciders: [
      registerDecider('counter', counter, {
        commands: ['counter.Add'],
        events: ['counter.Added', 'counter.Doubled'],
      }),
    ],
    groupId: 'counter',
    owner: 'test',
    clock: () => new Date('2026-06-01T12:00:00.000Z'),
    snapshotEveryEvents: 1_000_000,
    snapshotEveryMs: 1_000_000_000,
    maxCommandsPerTransaction: 100,
    rebuildTimeoutMs: 1_000,
    idempotencyWindowMs: 86_400_000,
    idempotencyMaxKeys: 1_000,
  };
  const w = new PartitionWorker(ctx, 0);
  (w as unknown as { producer: unknown }).producer = producer;
  const message = (by: number, offset: number) =>
    ({
      ...commandMessage(registry, { type: 'counter.Add', subject: 'c1', data: { id: 'c1', by } }),
      offset: String(offset),
      timestamp: '0',
      attributes: 0,
      size: 0,
    }) as unknown as KafkaMessage;
  const events = () =>
    (committed[topics.events] ?? []).map((m) => registry.decode(fromKafka(m as KafkaMessage)));
  return { w, message, events, committed };
}

describe('PartitionWorker', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('commits up to a command whose evolve fails part-way, dead-letters it, and asks to be rebuilt', async () => {
    const { w, message, events, committed } = worker();
    const resolved: string[] = [];
    const batch = [message(1, 0), message(13, 1), message(2, 2)];
    await expect(w.handle(batch, (o) => resolved.push(o))).rejects.toThrow('rebuilt from the log');
    // The first command's events and the second's rejection are committed; the third is not read yet.
    expect(resolved).toEqual(['1']);
    expect(events().map((e) => e.type)).toEqual([
      'counter.Added',
      'counter.Doubled',
      'counter.CommandRejected',
    ]);
    expect(events()[2]).toMatchObject({
      data: { code: 'UNPROCESSABLE', message: expect.stringContaining('unlucky') },
    });
    expect(committed[topics.deadLetter]).toHaveLength(1);
    // The half-evolved state is never used again: the worker is rebuilt from the log.
    expect(w.broken).toBe(true);
  });
});
