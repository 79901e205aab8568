import { Admin, Consumer, EachMessagePayload } from 'kafkajs';
import { createTopicsReady, infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import { KafkaClients } from './kafka';

// Against the real broker: the exactly-once building block every service relies on, a consume →
// produce loop whose output and consumer offsets commit or abort together.

interface Seen {
  key: string;
  value: string;
  offset: string;
}

async function consumeAll(consumer: Consumer, topic: string, count: number): Promise<Seen[]> {
  const seen: Seen[] = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }: EachMessagePayload) => {
      seen.push({
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
        offset: message.offset,
      });
    },
  });
  await waitUntil(`${count} messages on ${topic}`, () => seen.length >= count, 20_000);
  return seen;
}

describe('Kafka transactions (kafkajs against the real broker)', () => {
  const { KAFKA_BROKERS } = infraEnv();
  const clients = new KafkaClients({ clientId: 'kafka-int-spec', brokers: KAFKA_BROKERS.split(',') });
  const input = uniqueName('it-in');
  const output = uniqueName('it-out');
  const group = uniqueName('it-group');
  let admin: Admin;

  beforeAll(async () => {
    admin = await clients.admin();
    await createTopicsReady(admin, {
      waitForLeaders: true,
      topics: [
        { topic: input, numPartitions: 1 },
        { topic: output, numPartitions: 1 },
      ],
    });
    const producer = clients.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: ['a', 'b', 'c', 'd', 'e'].map((v, i) => ({ key: `k${i}`, value: v })),
    });
    await producer.disconnect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [input, output] }).catch(() => undefined);
    await clients.onApplicationShutdown();
  });

  it('commits output and offsets together, hides an aborted transaction, and resumes after the committed offset', async () => {
    const worker = clients.consumer({ groupId: group, readUncommitted: false });
    await worker.connect();
    const inputs = await consumeAll(worker, input, 5);
    await worker.disconnect();
    expect(inputs.map((m) => m.value)).toEqual(['a', 'b', 'c', 'd', 'e']);

    const producer = clients.producer({
      transactionalId: uniqueName('it-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();

    // Transaction 1: the first three inputs, upper-cased, with the group's offset after them.
    const committed = await producer.transaction();
    await committed.send({
      topic: output,
      messages: inputs.slice(0, 3).map((m) => ({ key: m.key, value: m.value.toUpperCase() })),
    });
    await committed.sendOffsets({
      consumerGroupId: group,
      topics: [{ topic: input, partitions: [{ partition: 0, offset: '3' }] }],
    });
    await committed.commit();

    // Transaction 2: the last two, then a failure: neither its messages nor its offsets count.
    const aborted = await producer.transaction();
    await aborted.send({
      topic: output,
      messages: inputs.slice(3).map((m) => ({ key: m.key, value: `ABORTED-${m.value}` })),
    });
    await aborted.sendOffsets({
      consumerGroupId: group,
      topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }] }],
    });
    await aborted.abort();
    await producer.disconnect();

    // read_committed sees exactly the committed three.
    const committedReader = clients.consumer({ groupId: uniqueName('it-rc'), readUncommitted: false });
    await committedReader.connect();
    const visible = await consumeAll(committedReader, output, 3);
    // Give the reader time to deliver anything past the committed three, if there were any.
    await new Promise((r) => setTimeout(r, 1_500));
    await committedReader.disconnect();
    expect(visible.map((m) => m.value)).toEqual(['A', 'B', 'C']);

    // read_uncommitted proves the aborted records were written to the log and only hidden.
    const rawReader = clients.consumer({ groupId: uniqueName('it-ru'), readUncommitted: true });
    await rawReader.connect();
    const raw = await consumeAll(rawReader, output, 5);
    await rawReader.disconnect();
    expect(raw.map((m) => m.value)).toEqual(['A', 'B', 'C', 'ABORTED-d', 'ABORTED-e']);

    // The group's committed offset is the one from the committed transaction.
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [input] });
    expect(offsets?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '3' })]);

    // A restarted member of the group resumes at offset 3: the aborted work is redone, not lost.
    const resumed = clients.consumer({ groupId: group, readUncommitted: false });
    await resumed.connect();
    const rest = await consumeAll(resumed, input, 2);
    await resumed.disconnect();
    expect(rest.map((m) => m.value)).toEqual(['d', 'e']);
  });

  it('leaves its consumer groups and flushes its producers at shutdown', async () => {
    const own = new KafkaClients({ clientId: 'kafka-int-spec-shutdown', brokers: KAFKA_BROKERS.split(',') });
    const shutdownGroup = uniqueName('it-shutdown');
    const consumer = own.consumer({ groupId: shutdownGroup });
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
    await waitUntil(
      'the consumer to join its group',
      async () => {
        const { groups } = await admin.describeGroups([shutdownGroup]);
        return groups[0]?.state === 'Stable' && groups[0].members.length === 1;
      },
      20_000,
    );

    const producer = own.producer();
    await producer.connect();
    const sent = producer.send({
      topic: output,
      messages: [{ key: 'flush', value: 'sent just before shutdown' }],
    });

    await own.onApplicationShutdown();
    await sent;

    const { groups } = await admin.describeGroups([shutdownGroup]);
    expect(groups[0]?.members).toHaveLength(0);
    expect(groups[0]?.state).toBe('Empty');
    const reader = clients.consumer({ groupId: uniqueName('it-flush'), readUncommitted: true });
    await reader.connect();
    const all = await consumeAll(reader, output, 6);
    await reader.disconnect();
    expect(all.map((m) => m.value)).toContain('sent just before shutdown');
  });
});
