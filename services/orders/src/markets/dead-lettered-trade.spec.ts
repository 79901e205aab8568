import { Logger } from '@nestjs/common';
import { ordersMessages } from '@gpux/contracts';
import { fromKafka, PartitionWorker, registerDecider, WorkerContext } from '@gpux/eventsourcing';
import { commandMessage } from '@gpux/eventsourcing/testing';
import type { Kafka, KafkaMessage, Message } from 'kafkajs';
import {
  createMarketDecider,
  MARKET_COMMANDS,
  MARKET_EVENTS,
  MarketState,
  reviveMarket,
} from '../domain/markets/market.decider';

/**
 * The partition worker with the real market decider and contracts, and a producer that records
 * what each transaction writes (no broker): a command whose events fail the contract is
 * dead-lettered, and the market's state is exactly what it was before it.
 */
const topics = {
  commands: 'orders.commands',
  events: 'orders.events',
  snapshots: 'orders.snapshots',
  deadLetter: 'orders.dlq',
};
// 126 characters: valid as a market id, but its first trade id `<market>-t1` has 129 (> 128).
const MARKET = `m${'x'.repeat(125)}`;
const NOW = new Date('2026-06-01T12:00:00.000Z');

function worker() {
  const written: Record<string, Message[]> = {};
  const producer = {
    transaction: async () => ({
      sendBatch: async ({ topicMessages }: { topicMessages: { topic: string; messages: Message[] }[] }) =>
        topicMessages.map((t) => {
          (written[t.topic] ??= []).push(...t.messages);
          return { topicName: t.topic, partition: 0, errorCode: 0, baseOffset: '0' };
        }),
      send: async () => [],
      sendOffsets: async () => undefined,
      commit: async () => undefined,
      abort: async () => undefined,
    }),
  };
  const ctx: WorkerContext = {
    kafka: {} as Kafka,
    service: 'orders',
    topics,
    partitions: 1,
    registry: ordersMessages,
    deciders: [
      registerDecider('market', createMarketDecider(), {
        commands: MARKET_COMMANDS,
        events: MARKET_EVENTS,
        revive: reviveMarket,
      }),
    ],
    groupId: 'orders',
    owner: 'test',
    clock: () => NOW,
    snapshotEveryEvents: 1_000_000,
    snapshotEveryMs: 1_000_000_000,
    maxCommandsPerTransaction: 100,
    rebuildTimeoutMs: 1_000,
    idempotencyWindowMs: 86_400_000,
    idempotencyMaxKeys: 1_000,
  };
  const w = new PartitionWorker(ctx, 0);
  (w as unknown as { producer: unknown }).producer = producer;
  let offset = 0;
  const send = async (type: string, data: unknown) => {
    const m = commandMessage(ordersMessages, { type, subject: MARKET, data });
    const message = {
      ...m,
      offset: String(offset++),
      timestamp: '0',
      attributes: 0,
      size: 0,
    } as unknown as KafkaMessage;
    await w.handle([message], () => undefined);
  };
  const events = () =>
    (written[topics.events] ?? []).map((m) => ordersMessages.decode(fromKafka(m as KafkaMessage)));
  const state = () => (w as unknown as { states: Map<string, MarketState> }).states.get(`market|${MARKET}`)!;
  return { send, events, state, written };
}

describe('a command whose events are dead-lettered', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('leaves the market exactly as it was: the book, the orders, the bids awaiting funds', async () => {
    const { send, events, state, written } = worker();
    await send('orders.OpenMarket', {
      marketId: MARKET,
      gpuClass: 'H100-80GB',
      minTflopsPerGpu: 300,
      tickSize: 10_000,
      feeRateBps: 250,
    });
    await send('orders.RecordNode', {
      marketId: MARKET,
      nodeId: 'n1',
      providerId: 'prov-1',
      gpus: 8,
      certifiedTflopsPerGpu: 350,
    });
    await send('orders.PlaceOrder', {
      marketId: MARKET,
      orderId: 'a1',
      side: 'ask',
      accountId: 'prov-1',
      price: 2_000_000,
      gpus: 4,
      hours: 24,
      nodeId: 'n1',
      timeInForce: 'GTC',
    });
    await send('orders.PlaceOrder', {
      marketId: MARKET,
      orderId: 'b1',
      side: 'bid',
      accountId: 'buyer-1',
      price: 2_100_000,
      gpus: 2,
      hours: 10,
      timeInForce: 'GTC',
    });
    const before = JSON.parse(JSON.stringify(state())) as unknown;
    expect(state().book.remaining('a1')).toBe(4);

    // The hold arrives: b1 would trade 2 GPUs of a1, but the trade's id breaks the contract.
    await send('orders.ConfirmBidFunds', { marketId: MARKET, orderId: 'b1' });
    expect(written[topics.deadLetter]).toHaveLength(1);
    const last = events()[events().length - 1]!;
    expect(last).toMatchObject({
      type: 'orders.CommandRejected',
      data: { code: 'UNPROCESSABLE', commandType: 'orders.ConfirmBidFunds' },
    });
    expect(events().some((e) => e.type === 'orders.TradeExecuted')).toBe(false);

    expect(JSON.parse(JSON.stringify(state()))).toEqual(before);
    // The next command sees the book as it was: all 4 GPUs of a1 are still offered.
    await send('orders.CancelOrder', { marketId: MARKET, orderId: 'a1', accountId: 'prov-1' });
    expect(events()[events().length - 1]).toMatchObject({
      type: 'orders.OrderCancelled',
      data: { orderId: 'a1', gpus: 4 },
    });
  });
});
