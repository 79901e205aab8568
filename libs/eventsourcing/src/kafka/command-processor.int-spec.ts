import {
  capacityMessages,
  encodeRaw,
  HEADERS,
  settlementMessages,
  SettlementEvents,
  topic,
  topicsOf,
} from '@gpux/contracts';
import { KafkaClients } from '@gpux/platform';
import {
  createTopicsReady,
  infraEnv,
  joinWithOtherAssignor,
  ReadRecord,
  readTopic,
  settle,
  uniqueName,
  waitUntil,
} from '@gpux/testing';
import { Logger } from '@nestjs/common';
import { Admin, ConfigResourceTypes, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { accept, Decider, Message, reject } from '../domain/decider';
import { commandMessage } from '../testing';
import { CommandProcessor } from './command-processor';
import { DEAD_LETTER_HEADERS } from './dead-letter';
import { PartitionWorker } from './partition-worker';
import { WorkerContext } from './worker-context';
import { ProcessManagerRunner, ProcessManagerRunnerOptions } from './process-manager-runner';
import { REACTED_HEADER } from './reactions';
import { provisionTopics, TopicMismatchError } from './provisioning';
import { MAX_BATCH_BYTES, recordBytes } from './record-batches';

// The library against the real broker, with a small balance decider over settlement's messages.
interface Balance {
  open: boolean;
  balance: number;
}
const balanceDecider: Decider<Message, Message, Balance> = {
  initialState: () => ({ open: false, balance: 0 }),
  decide(command, state) {
    const data = command.data as { accountId: string; amount: number; owner: string; reference?: string };
    if (data.reference === 'throw') throw new Error('a bug in the decider');
    switch (command.type) {
      case 'settlement.OpenAccount':
        return state.open
          ? reject('ALREADY_EXISTS', 'exists')
          : accept({
              type: 'settlement.AccountOpened',
              data: { accountId: data.accountId, owner: data.owner },
            });
      case 'settlement.Deposit':
        return accept({
          type: 'settlement.FundsDeposited',
          data: { accountId: data.accountId, amount: data.amount, reference: null },
        });
      default:
        return data.amount > state.balance
          ? reject('INSUFFICIENT_FUNDS', `holds ${state.balance}`, 'amount')
          : accept({
              type: 'settlement.FundsWithdrawn',
              data: { accountId: data.accountId, amount: data.amount, reference: null },
            });
    }
  },
  evolve(state, event) {
    const amount = (event.data as { amount?: number }).amount ?? 0;
    if (event.type === 'settlement.AccountOpened') return { ...state, open: true };
    return {
      ...state,
      balance: state.balance + (event.type === 'settlement.FundsDeposited' ? amount : -amount),
    };
  },
};
const deciders = [
  {
    name: 'balance',
    decider: balanceDecider,
    commandTypes: ['settlement.OpenAccount', 'settlement.Deposit', 'settlement.Withdraw'],
    eventTypes: ['settlement.AccountOpened', 'settlement.FundsDeposited', 'settlement.FundsWithdrawn'],
  },
];

const open = (accountId: string, key?: string) =>
  commandMessage(settlementMessages, {
    type: 'settlement.OpenAccount',
    subject: accountId,
    data: { accountId, owner: 'test' },
    ...(key ? { idempotencyKey: key } : {}),
  });
const deposit = (accountId: string, amount: number, key?: string) =>
  commandMessage(settlementMessages, {
    type: 'settlement.Deposit',
    subject: accountId,
    data: { accountId, amount },
    ...(key ? { idempotencyKey: key } : {}),
  });
const withdraw = (accountId: string, amount: number, reference?: string) =>
  commandMessage(settlementMessages, {
    type: 'settlement.Withdraw',
    subject: accountId,
    data: { accountId, amount, ...(reference ? { reference } : {}) },
  });

/** A process manager for the tests: every account opened is credited a welcome deposit. */
const welcome = {
  name: 'welcome-credit',
  react: (event: { type: string; subject: string; data: unknown }) =>
    event.type === 'settlement.AccountOpened'
      ? [
          {
            type: 'settlement.Deposit',
            subject: event.subject,
            data: { accountId: event.subject, amount: 1_000, reference: 'welcome' },
          },
        ]
      : [],
};

const typeOf = (r: ReadRecord) => r.headers[HEADERS.type] ?? '';
const isOutcome = (r: ReadRecord) => !typeOf(r).endsWith('.PartitionClaimed');

describe('command processing on Kafka', () => {
  const clients = new KafkaClients({ clientId: 'es-int-spec', brokers: infraEnv().KAFKA_BROKERS.split(',') });
  const kafka: Kafka = clients.kafka;
  let admin: Admin;
  let producer: Producer;

  async function namespaceWithTopics(): Promise<string> {
    const ns = uniqueName('es');
    await provisionTopics(admin, topicsOf('settlement', ns));
    return ns;
  }

  function processor(
    namespace: string,
    extra: Partial<ConstructorParameters<typeof CommandProcessor>[0]> = {},
  ) {
    return new CommandProcessor({
      kafka,
      service: 'settlement',
      registry: settlementMessages,
      deciders,
      namespace,
      ...extra,
    });
  }

  /** A partition worker's context on the namespace's topics, for workers made by hand (zombies, owners). */
  function workerContext(ns: string, k: Kafka, extra: Partial<WorkerContext> = {}): WorkerContext {
    return {
      kafka: k,
      service: 'settlement',
      topics: {
        commands: topic('settlement', 'commands', ns).name,
        events: topic('settlement', 'events', ns).name,
        snapshots: topic('settlement', 'snapshots', ns).name,
        deadLetter: topic('settlement', 'dead-letter', ns).name,
      },
      partitions: topic('settlement', 'events').partitions,
      registry: settlementMessages,
      deciders,
      groupId: `${ns}.g`,
      owner: 'test',
      clock: () => new Date(),
      snapshotEveryEvents: 1000,
      snapshotEveryMs: 60_000,
      maxCommandsPerTransaction: 100,
      rebuildTimeoutMs: 30_000,
      idempotencyWindowMs: 60_000,
      idempotencyMaxKeys: 1_000,
      ...extra,
    };
  }

  const send = (ns: string, ...messages: ReturnType<typeof open>[]) =>
    producer.send({ topic: topic('settlement', 'commands', ns).name, messages });

  /** The welcome-credit manager's runner, from settlement's events to its commands in namespace `ns`. */
  const welcomeRunner = (ns: string, revival?: ProcessManagerRunnerOptions['revival']) =>
    new ProcessManagerRunner({
      kafka,
      manager: welcome,
      registry: settlementMessages,
      from: 'settlement',
      to: 'settlement',
      namespace: ns,
      ...(revival ? { revival } : {}),
    });

  const outcomes = (ns: string, count: number) =>
    readTopic(
      kafka,
      topic('settlement', 'events', ns).name,
      (rs) => rs.filter(isOutcome).length >= count,
    ).then((rs) => rs.filter(isOutcome));

  beforeAll(async () => {
    admin = await clients.admin();
    producer = clients.producer({ idempotent: true });
    await producer.connect();
  });
  afterAll(() => clients.onApplicationShutdown());

  describe('topic provisioning', () => {
    it('creates what is missing, leaves what matches, and refuses a topic that disagrees', async () => {
      const ns = uniqueName('prov');
      const specs = topicsOf('settlement', ns);
      expect((await provisionTopics(admin, specs)).created).toHaveLength(4);
      expect(await provisionTopics(admin, specs)).toEqual({
        created: [],
        matched: specs.map((s) => s.name),
        lengthened: [],
      });
      // A snapshots topic rolls its segments hourly, so compaction reaches all but an hour of them.
      const snapshots = topic('settlement', 'snapshots', ns).name;
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: snapshots,
            configNames: ['segment.ms', 'min.cleanable.dirty.ratio', 'cleanup.policy'],
          },
        ],
      });
      expect(
        Object.fromEntries(described.resources[0]!.configEntries.map((c) => [c.configName, c.configValue])),
      ).toEqual({ 'segment.ms': '3600000', 'min.cleanable.dirty.ratio': '0.1', 'cleanup.policy': 'compact' });

      const wrong = uniqueName('prov-wrong');
      const events = topic('settlement', 'events', wrong);
      await createTopicsReady(admin, {
        waitForLeaders: true,
        topics: [
          { topic: events.name, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '-1' }] },
        ],
      });
      await expect(provisionTopics(admin, topicsOf('settlement', wrong))).rejects.toThrow(
        new TopicMismatchError(
          `topic ${events.name} has 2 partitions, the registry says ${events.partitions}; fix the topic or the registry`,
        ),
      );
    });

    it('keeps records longer where the registry raised a retention, and refuses one it lowered', async () => {
      const retentionOf = async (name: string) =>
        (
          await admin.describeConfigs({
            includeSynonyms: false,
            resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] }],
          })
        ).resources[0]!.configEntries[0]!.configValue;
      // Commands kept a week, as an older registry made them.
      const older = uniqueName('prov-week');
      const commands = topic('settlement', 'commands', older);
      await createTopicsReady(admin, {
        waitForLeaders: true,
        topics: [
          {
            topic: commands.name,
            numPartitions: commands.partitions,
            configEntries: [
              { name: 'cleanup.policy', value: 'delete' },
              { name: 'retention.ms', value: String(7 * 86_400_000) },
            ],
          },
        ],
      });
      const provisioned = await provisionTopics(admin, topicsOf('settlement', older));
      expect(provisioned.lengthened).toEqual([commands.name]);
      expect(await retentionOf(commands.name)).toBe(String(commands.retentionMs));
      // A topic that keeps records longer than the registry says is not shortened: refused.
      const longer = uniqueName('prov-long');
      const deadLetter = topic('settlement', 'dead-letter', longer);
      await createTopicsReady(admin, {
        waitForLeaders: true,
        topics: [
          {
            topic: deadLetter.name,
            numPartitions: deadLetter.partitions,
            configEntries: [{ name: 'retention.ms', value: '-1' }],
          },
        ],
      });
      await expect(provisionTopics(admin, topicsOf('settlement', longer))).rejects.toThrow(
        /has retention.ms=-1, the registry says 2592000000/,
      );
      expect(await retentionOf(deadLetter.name)).toBe('-1');
    });
  });

  it('records exactly one outcome per command, rejections included, and a repeated key adds nothing', async () => {
    const ns = await namespaceWithTopics();
    const p = processor(ns);
    await p.start();
    try {
      await send(
        ns,
        open('acc-1'),
        deposit('acc-1', 700, 'dep-1'),
        deposit('acc-1', 700, 'dep-1'),
        withdraw('acc-1', 701),
        withdraw('acc-1', 700),
        open('acc-1'),
      );
      const events = await outcomes(ns, 5);
      await settle(1_500);
      const all = await outcomes(ns, 5);
      expect(all.map(typeOf)).toEqual([
        'settlement.AccountOpened',
        'settlement.FundsDeposited',
        'settlement.CommandRejected',
        'settlement.FundsWithdrawn',
        'settlement.CommandRejected',
      ]);
      expect(JSON.parse(events[2]!.value)).toEqual({
        commandType: 'settlement.Withdraw',
        code: 'INSUFFICIENT_FUNDS',
        message: 'holds 700',
        field: 'amount',
        command: { accountId: 'acc-1', amount: 701 },
      });
      expect(JSON.parse(events[4]!.value)).toMatchObject({ code: 'ALREADY_EXISTS' });
      expect(all[1]!.headers[HEADERS.idempotencyKey]).toBe('dep-1');
      expect(new Set(all.map((e) => e.headers[HEADERS.causationId])).size).toBe(5);
    } finally {
      await p.stop();
    }
  });

  it('remembers idempotency keys for its window only: an expired key is a new command', async () => {
    const ns = await namespaceWithTopics();
    const first = processor(ns, { snapshotEveryEvents: 1, idempotencyWindowMs: 1 });
    await first.start();
    await send(ns, open('acc-w'), deposit('acc-w', 10, 'key-w'));
    await outcomes(ns, 2);
    await first.stop();
    await settle(50);
    // A new owner rebuilds from the snapshot, which kept no key older than the window.
    const second = processor(ns, { snapshotEveryEvents: 1, idempotencyWindowMs: 1 });
    await second.start();
    try {
      await send(ns, deposit('acc-w', 10, 'key-w'));
      expect((await outcomes(ns, 3)).map(typeOf).slice(1)).toEqual([
        'settlement.FundsDeposited',
        'settlement.FundsDeposited',
      ]);
    } finally {
      await second.stop();
    }
  });

  it('remembers at most its cap of keys per partition, forgetting the oldest first, also when rebuilding', async () => {
    const ns = await namespaceWithTopics();
    // One account, so one partition: three keys against a cap of two.
    const first = processor(ns, { idempotencyMaxKeys: 2 });
    await first.start();
    try {
      await send(ns, open('acc-c', 'open-c'), deposit('acc-c', 1, 'c-1'), deposit('acc-c', 2, 'c-2'));
      await outcomes(ns, 3);
      // open-c is the oldest: forgotten, its repeat is a new request (rejected: the account exists).
      // c-2 is remembered: its repeat adds nothing.
      await send(ns, deposit('acc-c', 2, 'c-2'), open('acc-c', 'open-c'));
      const events = await outcomes(ns, 4);
      expect(events.map(typeOf).slice(3)).toEqual(['settlement.CommandRejected']);
      expect(JSON.parse(events[3]!.value)).toMatchObject({ code: 'ALREADY_EXISTS' });
    } finally {
      await first.stop();
    }
    // Rebuilt from the events (no snapshot yet), the oldest beyond the cap are forgotten as well.
    const second = processor(ns, { idempotencyMaxKeys: 2 });
    await second.start();
    try {
      await send(ns, deposit('acc-c', 1, 'c-1'), deposit('acc-c', 2, 'c-2'));
      const events = await outcomes(ns, 5);
      expect(events.slice(4).map((e) => [typeOf(e), JSON.parse(e.value).amount])).toEqual([
        ['settlement.FundsDeposited', 1],
      ]);
      await settle(1_000);
      expect(await outcomes(ns, 5)).toHaveLength(5);
    } finally {
      await second.stop();
    }
  });

  it('rebuilds a new owner from snapshot and events, so decisions continue where they stopped', async () => {
    const ns = await namespaceWithTopics();
    const first = processor(ns, { snapshotEveryEvents: 3 });
    await first.start();
    await send(ns, open('acc-2'), ...Array.from({ length: 10 }, (_, i) => deposit('acc-2', 100 + i)));
    await outcomes(ns, 11);
    await first.stop();

    const snapshots = await readTopic(kafka, topic('settlement', 'snapshots', ns).name, (rs) =>
      rs.some((r) => r.key === 'snapshot'),
    );
    expect(snapshots.some((r) => r.key === 'snapshot')).toBe(true);

    const second = processor(ns, { snapshotEveryEvents: 3 });
    await second.start();
    try {
      const total = Array.from({ length: 10 }, (_, i) => 100 + i).reduce((a, b) => a + b);
      await send(
        ns,
        withdraw('acc-2', total + 1),
        withdraw('acc-2', total),
        deposit('acc-2', 5, uniqueName('k')),
      );
      const events = await outcomes(ns, 14);
      expect(events.slice(11).map(typeOf)).toEqual([
        'settlement.CommandRejected',
        'settlement.FundsWithdrawn',
        'settlement.FundsDeposited',
      ]);
    } finally {
      await second.stop();
    }
  });

  it("logs each assignment with the broker's member id and how long the join took (a join that waits out a crashed instance's session shows in joinMs)", async () => {
    const ns = await namespaceWithTopics();
    const logged = jest.spyOn(Logger.prototype, 'log');
    const p = processor(ns);
    try {
      await p.start();
      const assigned = logged.mock.calls
        .map(([line]) => line as Record<string, unknown>)
        .filter((line) => line?.['msg'] === 'partitions assigned');
      expect(assigned.length).toBeGreaterThan(0);
      expect(assigned.at(-1)).toEqual({
        msg: 'partitions assigned',
        partitions: [0, 1, 2, 3, 4, 5],
        memberId: expect.stringMatching(/^es-int-spec-/),
        joinMs: expect.any(Number),
      });
    } finally {
      logged.mockRestore();
      await p.stop();
    }
  });

  it('reads v1 events in the log as v2 through the upcaster when rebuilding', async () => {
    const ns = await namespaceWithTopics();
    const opener = processor(ns);
    await opener.start();
    await send(ns, open('acc-3'));
    await outcomes(ns, 1);
    await opener.stop();
    // The first ledger wrote deposits in whole cents (v1): 3 cents = 30,000 micro-USD.
    const v1 = encodeRaw({
      id: uniqueName('v1'),
      type: SettlementEvents.fundsDeposited.type,
      source: 'settlement',
      subject: 'acc-3',
      time: new Date().toISOString(),
      schemaVersion: 1,
      correlationId: 'legacy',
      causationId: 'legacy',
      data: { accountId: 'acc-3', amountCents: 3 },
    });
    await producer.send({
      topic: topic('settlement', 'events', ns).name,
      messages: [{ key: v1.key, value: v1.value, headers: v1.headers }],
    });

    const p = processor(ns);
    await p.start();
    try {
      await send(ns, withdraw('acc-3', 30_001), withdraw('acc-3', 30_000));
      const events = await outcomes(ns, 4);
      expect(events.slice(2).map(typeOf)).toEqual([
        'settlement.CommandRejected',
        'settlement.FundsWithdrawn',
      ]);
    } finally {
      await p.stop();
    }
  });

  it('writes a backlog whose outcomes outgrow one record batch in several, within one transaction: the broker refuses none, nothing is lost or doubled', async () => {
    // Two 200-character deposits per command: 1,000 commands queued on one partition (one
    // transaction's worth) make about 1.7 MB of events, twice what the broker takes in one record batch (message.max.bytes, 1 MiB).
    const wide: Decider<Message, Message, Balance> = {
      ...balanceDecider,
      decide(command, state, context) {
        if (command.type !== 'settlement.Deposit') return balanceDecider.decide(command, state, context);
        const { accountId, reference } = command.data as { accountId: string; reference: string };
        const moved = { type: 'settlement.FundsDeposited', data: { accountId, amount: 1, reference } };
        return accept(moved, moved);
      },
    };
    const wideDeciders = [{ ...deciders[0]!, decider: wide }];
    const ns = await namespaceWithTopics();
    const reference = 'r'.repeat(200);
    const commands = Array.from({ length: 1_000 }, (_, i) =>
      commandMessage(settlementMessages, {
        type: 'settlement.Deposit',
        subject: 'acc-wide',
        data: { accountId: 'acc-wide', amount: 1, reference },
        idempotencyKey: `wide-${i}`,
      }),
    );
    for (let i = 0; i < commands.length; i += 250) await send(ns, ...commands.slice(i, i + 250));
    // A snapshot in every transaction: its offset in the events must count every request's events.
    const first = processor(ns, { deciders: wideDeciders, snapshotEveryEvents: 1 });
    await first.start();
    try {
      const events = await readTopic(
        kafka,
        topic('settlement', 'events', ns).name,
        (rs) => rs.filter(isOutcome).length >= 2_000,
        { timeoutMs: 60_000 },
      ).then((rs) => rs.filter(isOutcome));
      expect(events.map(typeOf).filter((t) => t !== 'settlement.FundsDeposited')).toEqual([]);
      const keys = events.map((e) => e.headers[HEADERS.idempotencyKey]);
      expect(keys).toEqual(commands.flatMap((_, i) => [`wide-${i}`, `wide-${i}`]));
    } finally {
      await first.stop();
    }
    // A new owner rebuilt from that snapshot holds exactly the 2,000 deposited: all of it can be
    // withdrawn, and not one more.
    const second = processor(ns, { deciders: wideDeciders });
    await second.start();
    try {
      await send(ns, withdraw('acc-wide', 2_000), withdraw('acc-wide', 1));
      const after = await outcomes(ns, 2_002);
      expect(after.slice(2_000).map((e) => [typeOf(e), JSON.parse(e.value).code])).toEqual([
        ['settlement.FundsWithdrawn', undefined],
        ['settlement.CommandRejected', 'INSUFFICIENT_FUNDS'],
      ]);
    } finally {
      await second.stop();
    }
  });

  it('answers a command whose outcome no record can carry UNPROCESSABLE, drops the data a rejection repeats when it does not fit, and goes on', async () => {
    // Capacity's protocol messages are free JSON, as large as a request may be. This decider
    // records a commitment twice (an event twice the command's size), or refuses it (a rejection
    // repeats its command's data).
    const ns = uniqueName('big');
    await provisionTopics(admin, topicsOf('capacity', ns));
    const echo: Decider<Message, Message, null> = {
      initialState: () => null,
      decide(command) {
        const { nodeId, challengeId, commitment } = command.data as {
          nodeId: string;
          challengeId: string;
          commitment: { refuse?: boolean };
        };
        if (commitment.refuse) return reject('NOT_FOUND', 'no such challenge', 'challengeId');
        return accept({
          type: 'capacity.ChallengeCommitted',
          data: { nodeId, challengeId, commitment, request: commitment },
        });
      },
      evolve: (state) => state,
    };
    const p = new CommandProcessor({
      kafka,
      service: 'capacity',
      registry: capacityMessages,
      deciders: [
        {
          name: 'echo',
          decider: echo,
          commandTypes: ['capacity.CommitChallenge'],
          eventTypes: ['capacity.ChallengeCommitted'],
        },
      ],
      namespace: ns,
    });
    const commit = (key: string, padding: number, refuse = false) =>
      commandMessage(capacityMessages, {
        type: 'capacity.CommitChallenge',
        subject: 'node-1',
        data: {
          nodeId: 'node-1',
          challengeId: 'c-1',
          openSeed: '0'.repeat(32),
          commitment: { refuse, padding: 'p'.repeat(padding) },
        },
        idempotencyKey: key,
      });
    // As large as a command may be and still fit in a record: its dead letter's headers do not.
    const largest = (key: string, refuse = false) => {
      const bare = recordBytes(commit(key, 0, refuse));
      return commit(key, MAX_BATCH_BYTES - 61 - bare - 16, refuse);
    };
    await p.start();
    try {
      // One request each: together they would be more than a record batch may be.
      for (const command of [
        commit('twice-600k', 600_000),
        largest('refused-largest', true),
        largest('twice-largest'),
        commit('small', 10),
      ])
        await producer.send({ topic: topic('capacity', 'commands', ns).name, messages: [command] });
      const events = await readTopic(
        kafka,
        topic('capacity', 'events', ns).name,
        (rs) => rs.filter(isOutcome).length >= 4,
      ).then((rs) => rs.filter(isOutcome));
      const answers = events.map((e) => {
        const data = JSON.parse(e.value) as { code?: string; command?: unknown };
        return [e.headers[HEADERS.idempotencyKey], typeOf(e), data.code, 'command' in data];
      });
      expect(answers).toEqual([
        ['twice-600k', 'capacity.CommandRejected', 'UNPROCESSABLE', true],
        ['refused-largest', 'capacity.CommandRejected', 'NOT_FOUND', false],
        ['twice-largest', 'capacity.CommandRejected', 'UNPROCESSABLE', false],
        ['small', 'capacity.ChallengeCommitted', undefined, false],
      ]);
      expect(JSON.parse(events[0]!.value).message).toMatch(
        /: its outcome would be \d+ bytes, more than the 999939 one may take: the broker would refuse it$/,
      );
      const dead = await readTopic(kafka, topic('capacity', 'dead-letter', ns).name, (rs) => rs.length >= 2);
      expect(
        dead.map((d) => [d.value.length > 600_000, d.headers[DEAD_LETTER_HEADERS.valueOmitted]]),
      ).toEqual([
        [true, undefined],
        [false, expect.stringMatching(/^\d{6}$/)],
      ]);
    } finally {
      await p.stop();
    }
  });

  it('commits the outcomes of a transaction whose snapshot cannot be written, and leaves the snapshot out', async () => {
    // A state JSON cannot write (a BigInt): every snapshot fails. It once failed the transaction,
    // every time, so no command on the partition was answered again.
    const unwritable: Decider<Message, Message, Balance & { big?: bigint }> = {
      ...balanceDecider,
      evolve: (state, event) => ({ ...balanceDecider.evolve(state, event), big: 1n }),
    };
    const ns = await namespaceWithTopics();
    const first = processor(ns, {
      deciders: [{ ...deciders[0]!, decider: unwritable }],
      snapshotEveryEvents: 1,
    });
    await first.start();
    try {
      await send(ns, open('acc-big'), deposit('acc-big', 5), withdraw('acc-big', 6), withdraw('acc-big', 5));
      const events = await outcomes(ns, 4);
      expect(events.map(typeOf)).toEqual([
        'settlement.AccountOpened',
        'settlement.FundsDeposited',
        'settlement.CommandRejected',
        'settlement.FundsWithdrawn',
      ]);
    } finally {
      await first.stop();
    }
    const snapshots = await readTopic(
      kafka,
      topic('settlement', 'snapshots', ns).name,
      (rs) => rs.length > 0,
    );
    expect(snapshots.filter((r) => r.key === 'snapshot')).toEqual([]);
    // The events alone rebuild the state: the balance is 0.
    const second = processor(ns, { deciders: [{ ...deciders[0]!, decider: unwritable }] });
    await second.start();
    try {
      await send(ns, withdraw('acc-big', 1));
      expect(JSON.parse((await outcomes(ns, 5))[4]!.value)).toMatchObject({
        code: 'INSUFFICIENT_FUNDS',
        message: 'holds 0',
      });
    } finally {
      await second.stop();
    }
  });

  it('says why it cannot decide a partition whose state cannot be rebuilt (an event of the log that no longer decodes), naming it, and goes on with the others', async () => {
    const ns = await namespaceWithTopics();
    const commands = topic('settlement', 'commands', ns).name;
    const first = processor(ns);
    await first.start();
    const opened = await producer.send({ topic: commands, messages: [open('acc-bad')] });
    const partition = opened[0]!.partition;
    await outcomes(ns, 1);
    await first.stop();
    // An event written past the contracts, into that account's partition of the log.
    await producer.send({
      topic: topic('settlement', 'events', ns).name,
      messages: [
        {
          key: 'acc-bad',
          partition,
          value: '{"accountId":',
          headers: {
            ...(open('acc-bad').headers as Record<string, string>),
            [HEADERS.type]: 'settlement.FundsDeposited',
          },
        },
      ],
    });
    // A new owner must rebuild the partition from the log to decide its next command: it cannot.
    const second = processor(ns, { failingDownMs: 1_000 });
    await second.start();
    try {
      await send(ns, deposit('acc-bad', 2));
      await waitUntil('the processor to report the partition', () => second.trouble() !== null, 30_000);
      expect(second.trouble()).toMatchObject({
        message: expect.stringMatching(
          new RegExp(
            `^${commands} partition ${partition} has failed for \\d+ s \\(\\d+ attempts in a row\\): Error: \\S+\\[\\d+\\] at offset \\d+: settlement\\.FundsDeposited body is not JSON$`,
          ),
        ),
        failing: [expect.objectContaining({ partition })],
      });
      // Another partition's commands are decided meanwhile.
      let other = 0;
      let account = '';
      while (!account) {
        const [meta] = await producer.send({ topic: commands, messages: [open(`acc-other-${other}`)] });
        if (meta!.partition !== partition) account = `acc-other-${other}`;
        other++;
      }
      const events = await readTopic(kafka, topic('settlement', 'events', ns).name, (rs) =>
        rs.some((r) => typeOf(r) === 'settlement.AccountOpened' && r.value.includes(`"${account}"`)),
      );
      expect(events.some((r) => r.value.includes(`"${account}"`))).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('starts a new consumer when kafkajs stops its own for good, reporting itself down meanwhile, and decides what waited', async () => {
    const ns = await namespaceWithTopics();
    const commands = topic('settlement', 'commands', ns).name;
    // The group refuses the processor while a member that offers another assignor is in it.
    const other = await joinWithOtherAssignor(kafka, `${ns}.settlement.command-processor`, commands);
    const refused = processor(ns, { revival: { initialDelayMs: 200, maxDelayMs: 1_000 } });
    try {
      await refused.start();
      await waitUntil('the processor to report its consumer down', () => refused.trouble() !== null, 30_000);
      expect(refused.trouble()?.message).toMatch(
        /^the command consumer is down for \d+ s \(kafkajs stopped it for good, \d+ times in a row; a new one starts after a pause\): .*supported protocols are incompatible/,
      );
      await send(ns, open('acc-revived'), deposit('acc-revived', 40, 'dep-revived'));
      await other.disconnect();
      const events = await outcomes(ns, 2);
      expect(events.map(typeOf)).toEqual(['settlement.AccountOpened', 'settlement.FundsDeposited']);
      expect(refused.trouble()).toBeNull();
    } finally {
      await other.disconnect();
      await refused.stop();
    }
  });

  it('rebuilds past a snapshot that does not read or does not revive, from the one before it or the events', async () => {
    const ns = await namespaceWithTopics();
    const first = processor(ns, { snapshotEveryEvents: 1 });
    await first.start();
    const [opened] = await producer.send({
      topic: topic('settlement', 'commands', ns).name,
      messages: [open('acc-snap')],
    });
    await send(ns, deposit('acc-snap', 5));
    await outcomes(ns, 2);
    await first.stop();
    // The newest snapshot of the partition is cut short.
    await producer.send({
      topic: topic('settlement', 'snapshots', ns).name,
      messages: [{ key: 'snapshot', partition: opened!.partition, value: '{"version":3,"eventsOffset":' }],
    });
    const second = processor(ns);
    await second.start();
    try {
      await send(ns, withdraw('acc-snap', 6));
      expect(JSON.parse((await outcomes(ns, 3))[2]!.value)).toMatchObject({ message: 'holds 5' });
    } finally {
      await second.stop();
    }
    // A decider whose states do not revive: the events alone.
    const unrevivable = [
      {
        ...deciders[0]!,
        revive: () => {
          throw new Error('not this layout');
        },
      },
    ];
    const third = processor(ns, { deciders: unrevivable, snapshotEveryEvents: 1 });
    await third.start();
    try {
      await send(ns, withdraw('acc-snap', 5), withdraw('acc-snap', 1));
      const events = await outcomes(ns, 5);
      expect(events.slice(3).map((e) => [typeOf(e), JSON.parse(e.value).message])).toEqual([
        ['settlement.FundsWithdrawn', undefined],
        ['settlement.CommandRejected', 'holds 0'],
      ]);
    } finally {
      await third.stop();
    }
  });

  it('dead-letters a malformed command and a decider that throws, answers each UNPROCESSABLE with its dead letter, logs each, and goes on with the next', async () => {
    const ns = await namespaceWithTopics();
    const warned = jest.spyOn(Logger.prototype, 'warn');
    const p = processor(ns);
    await p.start();
    try {
      const good = open('acc-4');
      const throwing = withdraw('acc-4', 1, 'throw');
      await send(
        ns,
        { key: 'acc-4', value: '{"accountId":', headers: good.headers },
        {
          ...withdraw('acc-4', 1),
          headers: {
            ...(withdraw('acc-4', 1).headers as Record<string, string>),
            [HEADERS.type]: 'settlement.Teleport',
          },
        },
        good,
        throwing,
        deposit('acc-4', 9),
        throwing, // a retry of a command that could not be processed gets its first answer
      );
      const events = await outcomes(ns, 5);
      expect(events.map(typeOf)).toEqual([
        'settlement.CommandRejected',
        'settlement.CommandRejected',
        'settlement.AccountOpened',
        'settlement.CommandRejected',
        'settlement.FundsDeposited',
      ]);
      const dead = await readTopic(
        kafka,
        topic('settlement', 'dead-letter', ns).name,
        (rs) => rs.length >= 3,
      );
      expect(dead.map((d) => d.headers[DEAD_LETTER_HEADERS.reason])).toEqual([
        'settlement.OpenAccount body is not JSON',
        'unknown message type settlement.Teleport',
        'decider failed: a bug in the decider',
      ]);
      expect(dead[0]).toMatchObject({
        value: '{"accountId":',
        headers: { [DEAD_LETTER_HEADERS.topic]: topic('settlement', 'commands', ns).name },
      });
      // Each rejection names where its command was dead-lettered: the command's own place in the log.
      const rejections = [events[0]!, events[1]!, events[3]!];
      expect(rejections.map((r) => JSON.parse(r.value) as { code: string; deadLetter: string })).toEqual(
        dead.map((d) =>
          expect.objectContaining({
            code: 'UNPROCESSABLE',
            deadLetter: `${d.headers[DEAD_LETTER_HEADERS.topic]}:${d.headers[DEAD_LETTER_HEADERS.partition]}:${d.headers[DEAD_LETTER_HEADERS.offset]}`,
          }),
        ),
      );
      // The decider's failure is answered under its command's key, where its caller looks.
      expect(events[3]!.headers[HEADERS.idempotencyKey]).toBe(
        throwing.headers![HEADERS.idempotencyKey]!.toString(),
      );
      expect(new Set(events.map((e) => e.headers[HEADERS.id])).size).toBe(5);
      // An operator learns of each from the service's log too, with where it is and how to read it.
      const lines = warned.mock.calls
        .map(([line]) => line as Record<string, unknown>)
        .filter((line) => String(line?.['msg']).startsWith('command dead-lettered'));
      expect(lines).toEqual(
        dead.map((d) =>
          expect.objectContaining({
            reason: expect.any(String),
            error: d.headers[DEAD_LETTER_HEADERS.reason],
            deadLetter: `${d.headers[DEAD_LETTER_HEADERS.topic]}:${d.headers[DEAD_LETTER_HEADERS.partition]}:${d.headers[DEAD_LETTER_HEADERS.offset]}`,
            todo: expect.stringContaining('node infra/scripts/dead-letters.js settlement'),
          }),
        ),
      );
      expect(lines.map((l) => [l['reason'], l['commandType']])).toEqual([
        ['undecodable', 'settlement.OpenAccount'],
        ['undecodable', 'settlement.Teleport'],
        ['decider_failed', 'settlement.Withdraw'],
      ]);
      expect(lines[2]).toMatchObject({ correlation_id: expect.any(String) });
      await settle(1_000);
      expect(await outcomes(ns, 5)).toHaveLength(5);
    } finally {
      warned.mockRestore();
      await p.stop();
    }
  });

  it('an evolve that throws part-way leaves no trace: its command is UNPROCESSABLE, the state is rebuilt from the log, the next command sees the state before it', async () => {
    // A decider that evolves in place (as the market's book does) and fails after changing the
    // state, for a withdrawal of 13.
    const inPlace: Decider<Message, Message, Balance> = {
      ...balanceDecider,
      evolve(state, event) {
        const amount = (event.data as { amount?: number }).amount ?? 0;
        if (event.type === 'settlement.AccountOpened') state.open = true;
        else state.balance += event.type === 'settlement.FundsDeposited' ? amount : -amount;
        if (event.type === 'settlement.FundsWithdrawn' && amount === 13) throw new Error('a bug in evolve');
        return state;
      },
    };
    const ns = await namespaceWithTopics();
    const p = processor(ns, { deciders: [{ ...deciders[0]!, decider: inPlace }] });
    await p.start();
    try {
      // In one batch: the failing withdrawal, then one that only fits the balance before it.
      await send(
        ns,
        open('acc-e'),
        deposit('acc-e', 100),
        withdraw('acc-e', 13),
        withdraw('acc-e', 90),
        withdraw('acc-e', 11),
      );
      const events = await outcomes(ns, 5);
      expect(events.map(typeOf)).toEqual([
        'settlement.AccountOpened',
        'settlement.FundsDeposited',
        'settlement.CommandRejected',
        'settlement.FundsWithdrawn',
        'settlement.CommandRejected',
      ]);
      expect(JSON.parse(events[2]!.value)).toMatchObject({ code: 'UNPROCESSABLE' });
      expect(JSON.parse(events[3]!.value)).toMatchObject({ amount: 90 });
      // 100 − 90 = 10: the 11 is refused on the balance the log says, not the half-evolved 87 − 90.
      expect(JSON.parse(events[4]!.value)).toMatchObject({ code: 'INSUFFICIENT_FUNDS', message: 'holds 10' });
      const dead = await readTopic(
        kafka,
        topic('settlement', 'dead-letter', ns).name,
        (rs) => rs.length >= 1,
      );
      expect(dead.map((d) => d.headers[DEAD_LETTER_HEADERS.reason])).toEqual([
        'decider failed: a bug in evolve',
      ]);
    } finally {
      await p.stop();
    }
  });

  it('refuses a key used again for a different request, changing nothing, also after a rebuild', async () => {
    const ns = await namespaceWithTopics();
    const first = processor(ns);
    await first.start();
    const reuse = deposit('acc-6', 20, 'key-6');
    try {
      await send(
        ns,
        open('acc-6'),
        deposit('acc-6', 10, 'key-6'),
        reuse,
        deposit('acc-6', 10, 'key-6'),
        withdraw('acc-6', 11),
      );
      const events = await outcomes(ns, 4);
      expect(events.map(typeOf)).toEqual([
        'settlement.AccountOpened',
        'settlement.FundsDeposited',
        'settlement.CommandRejected',
        'settlement.CommandRejected',
      ]);
      expect(JSON.parse(events[1]!.value)).toMatchObject({ amount: 10 });
      expect(JSON.parse(events[2]!.value)).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        field: 'idempotencyKey',
      });
      // Recorded under the refused command's own id: the key's first outcome stays as it was.
      expect(events[2]!.headers[HEADERS.idempotencyKey]).toBe(reuse.headers![HEADERS.id]!.toString());
      expect(events[1]!.headers[HEADERS.idempotencyKey]).toBe('key-6');
      expect(JSON.parse(events[3]!.value)).toMatchObject({ code: 'INSUFFICIENT_FUNDS', message: 'holds 10' });
    } finally {
      await first.stop();
    }

    // A new owner, rebuilt from the events, knows what request the key was for.
    const second = processor(ns);
    await second.start();
    try {
      await send(ns, deposit('acc-6', 20, 'key-6'), deposit('acc-6', 10, 'key-6'), withdraw('acc-6', 10));
      const events = await outcomes(ns, 6);
      expect(events.slice(4).map(typeOf)).toEqual([
        'settlement.CommandRejected',
        'settlement.FundsWithdrawn',
      ]);
      expect(JSON.parse(events[4]!.value)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    } finally {
      await second.stop();
    }
  });

  it('fences an older owner of a partition: nothing it wrote becomes visible, the commands it reacted with included', async () => {
    const ns = await namespaceWithTopics();
    const topics = workerContext(ns, kafka).topics;
    // Two clients, as two processes would have, both sure they own partition 0.
    const zombieClients = new KafkaClients({
      clientId: 'zombie',
      brokers: infraEnv().KAFKA_BROKERS.split(','),
    });
    const ownerClients = new KafkaClients({
      clientId: 'owner',
      brokers: infraEnv().KAFKA_BROKERS.split(','),
    });
    const context = (k: Kafka, hook?: () => Promise<void>): WorkerContext =>
      workerContext(ns, k, {
        // With an inline process manager: its command is written, or aborted, with its event.
        reactions: [{ manager: welcome, registry: settlementMessages, topic: topics.commands }],
        ...(hook ? { beforeCommit: hook } : {}),
      });
    const owner = new PartitionWorker(context(ownerClients.kafka), 0);
    const zombie = new PartitionWorker(
      context(zombieClients.kafka, () => owner.start()),
      0,
    );
    expect(zombie.transactionalId).toBe(owner.transactionalId);
    await zombie.start();

    const asRecords = (ms: ReturnType<typeof open>[]): KafkaMessage[] =>
      ms.map((m, i) => ({
        key: Buffer.from(String(m.key)),
        value: Buffer.from(String(m.value)),
        headers: m.headers as Record<string, string>,
        offset: String(i),
        timestamp: '0',
        attributes: 0,
      }));
    const batch = asRecords([open('acc-z'), deposit('acc-z', 5)]);
    // The zombie writes its events, then the new owner starts (fencing it) before it commits.
    await expect(zombie.handle(batch, () => undefined)).rejects.toThrow(/fenced|epoch|transactional/i);
    await owner.handle(batch, () => undefined);

    const committed = await outcomes(ns, 2);
    await settle(1_000);
    const all = await readTopic(kafka, topics.events, (rs) => rs.length >= 4);
    expect(committed.map(typeOf)).toEqual(['settlement.AccountOpened', 'settlement.FundsDeposited']);
    expect(all.filter(isOutcome)).toHaveLength(2);
    // The zombie's writes are in the log, aborted: a read-uncommitted reader sees them.
    const raw = await readTopic(kafka, topics.events, (rs) => rs.filter(isOutcome).length >= 4, {
      readUncommitted: true,
    });
    expect(raw.filter(isOutcome)).toHaveLength(4);
    // The welcome credit of the opened account: the owner's committed, the zombie's aborted with its events.
    const credits = await readTopic(kafka, topics.commands, (rs) => rs.length >= 1);
    expect(credits.map((c) => [c.key, c.headers[HEADERS.source]])).toEqual([['acc-z', 'pm.welcome-credit']]);
    const rawCredits = await readTopic(kafka, topics.commands, (rs) => rs.length >= 2, {
      readUncommitted: true,
    });
    expect(rawCredits).toHaveLength(2);
    await zombie.close();
    await owner.close();
    await zombieClients.onApplicationShutdown();
    await ownerClients.onApplicationShutdown();
  });

  it("writes a transaction group's partitions through one producer, whose owner fences a worker still writing one of them under its own id (the version before groups)", async () => {
    const ns = await namespaceWithTopics();
    const topics = workerContext(ns, kafka).topics;
    const zombieClients = new KafkaClients({
      clientId: 'zombie-v1',
      brokers: infraEnv().KAFKA_BROKERS.split(','),
    });
    const p = processor(ns);
    const accounts = Array.from({ length: 12 }, (_, i) => `grp-${i}`);
    // A worker with a producer of its own, sure it owns partition 3. Before it commits, the
    // processor starts, and commands on all six partitions start both of its groups.
    const zombie = new PartitionWorker(
      workerContext(ns, zombieClients.kafka, {
        groupId: `${ns}.settlement.command-processor`,
        owner: 'zombie',
        beforeCommit: async () => {
          await p.start();
          await send(ns, ...accounts.map((a) => open(a)));
          await outcomes(ns, accounts.length);
        },
      }),
      3,
    );
    expect(zombie.transactionalId).toBe(`settlement-${topics.commands}-3`);
    expect(p.transactionGroups).toBe(2);
    try {
      await zombie.start();
      const record: KafkaMessage = {
        key: Buffer.from('zombie-acc'),
        value: Buffer.from(String(open('zombie-acc').value)),
        headers: open('zombie-acc').headers as Record<string, string>,
        offset: '0',
        timestamp: '0',
        attributes: 0,
      };
      await expect(zombie.handle([record], () => undefined)).rejects.toThrow(/fenced|epoch|transactional/i);
      await settle(1_000);
      const written = await outcomes(ns, accounts.length);
      expect(written.map((r) => r.key).sort()).toEqual([...accounts].sort());
      // Every partition had commands, and each was written by its group's owner: both groups.
      expect(new Set(written.map((r) => r.partition))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    } finally {
      await p.stop();
      await zombie.close();
      await zombieClients.onApplicationShutdown();
    }
  });

  it('runs a process manager in the same exactly-once loop: one command per event, across a restart', async () => {
    const ns = await namespaceWithTopics();
    const p = processor(ns);
    await p.start();
    const pm = () => welcomeRunner(ns);
    try {
      await send(ns, ...Array.from({ length: 10 }, (_, i) => open(`pm-${i}`)));
      const first = pm();
      await first.start();
      await outcomes(ns, 12);
      await first.stop();
      await send(ns, ...Array.from({ length: 10 }, (_, i) => open(`pm-${10 + i}`)));
      const second = pm();
      await second.start();
      await outcomes(ns, 40);
      await settle(1_500);
      await second.stop();
      const all = await outcomes(ns, 40);
      const credits = all.filter((e) => typeOf(e) === 'settlement.FundsDeposited');
      expect(credits).toHaveLength(20);
      expect(new Set(credits.map((e) => e.key)).size).toBe(20);
      const commands = await readTopic(
        kafka,
        topic('settlement', 'commands', ns).name,
        (rs) => rs.length >= 40,
      );
      expect(commands.filter((c) => c.headers[HEADERS.source] === 'pm.welcome-credit')).toHaveLength(20);
    } finally {
      await p.stop();
    }
  });

  it('dead-letters an event a process manager cannot read, logs where it is and how to read it', async () => {
    const ns = await namespaceWithTopics();
    const warned = jest.spyOn(Logger.prototype, 'warn');
    const runner = welcomeRunner(ns);
    try {
      await producer.send({
        topic: topic('settlement', 'events', ns).name,
        messages: [{ key: 'pm-poison', value: 'not an event', partition: 0 }],
      });
      await runner.start();
      const dead = await readTopic(
        kafka,
        topic('settlement', 'dead-letter', ns).name,
        (rs) => rs.length >= 1,
      );
      await waitUntil(
        'the dead letter to be logged',
        () =>
          warned.mock.calls.some(([l]) =>
            String((l as Record<string, unknown>)?.['msg']).startsWith('event dead-lettered'),
          ),
        10_000,
      );
      const lines = warned.mock.calls
        .map(([line]) => line as Record<string, unknown>)
        .filter((line) => String(line?.['msg']).startsWith('event dead-lettered'));
      expect(lines).toEqual([
        expect.objectContaining({
          reason: 'unreadable_event',
          error: dead[0]!.headers[DEAD_LETTER_HEADERS.reason],
          deadLetter: `${topic('settlement', 'events', ns).name}:0:0`,
          todo: expect.stringContaining('node infra/scripts/dead-letters.js settlement'),
        }),
      ]);
    } finally {
      warned.mockRestore();
      await runner.stop();
    }
  });

  it('starts a new consumer for a process manager when kafkajs stops its own for good, reporting it down meanwhile, and reacts to what waited', async () => {
    const ns = await namespaceWithTopics();
    const p = processor(ns);
    await p.start();
    const events = topic('settlement', 'events', ns).name;
    // The group refuses the manager while a member that offers another assignor is in it.
    const other = await joinWithOtherAssignor(kafka, `${ns}.pm.${welcome.name}`, events);
    const runner = welcomeRunner(ns, { initialDelayMs: 200, maxDelayMs: 1_000 });
    try {
      await runner.start();
      await waitUntil(
        'the manager to report its consumer down',
        () => runner.consumerDown() !== null,
        30_000,
      );
      expect(runner.consumerDown()?.error).toMatch(/supported protocols are incompatible/);
      await send(ns, ...Array.from({ length: 5 }, (_, i) => open(`pm-revived-${i}`)));
      await outcomes(ns, 5);
      await other.disconnect();
      const all = await outcomes(ns, 10);
      const credits = all.filter((e) => typeOf(e) === 'settlement.FundsDeposited');
      expect(new Set(credits.map((e) => e.key))).toEqual(
        new Set(Array.from({ length: 5 }, (_, i) => `pm-revived-${i}`)),
      );
      expect(runner.consumerDown()).toBeNull();
      await settle(1_000);
      expect(await outcomes(ns, 10)).toHaveLength(10);
    } finally {
      await other.disconnect();
      await runner.stop();
      await p.stop();
    }
  });

  it("writes an inline process manager's commands in its event's transaction, and its runner passes those events by", async () => {
    const ns = await namespaceWithTopics();
    const commandsTopic = topic('settlement', 'commands', ns).name;
    const fromWelcome = (rs: ReadRecord[]) =>
      rs.filter((c) => c.headers[HEADERS.source] === 'pm.welcome-credit');
    // Five accounts opened before the manager ran inline (a log from before an upgrade)...
    const before = processor(ns);
    await before.start();
    await send(ns, ...Array.from({ length: 5 }, (_, i) => open(`old-${i}`)));
    await outcomes(ns, 5);
    await before.stop();
    // ...then five by a processor that runs it inline: each credit is written with its AccountOpened.
    const inline = processor(ns, {
      reactions: [{ manager: welcome, registry: settlementMessages, topic: commandsTopic }],
    });
    await inline.start();
    try {
      await send(ns, ...Array.from({ length: 5 }, (_, i) => open(`new-${i}`)));
      await outcomes(ns, 15);
      const written = await readTopic(kafka, commandsTopic, (rs) => fromWelcome(rs).length >= 5);
      expect(
        fromWelcome(written)
          .map((c) => c.key)
          .sort(),
      ).toEqual(Array.from({ length: 5 }, (_, i) => `new-${i}`));
      const opened = (await outcomes(ns, 15)).filter((e) => typeOf(e) === 'settlement.AccountOpened');
      const marked = (e: ReadRecord) => `${e.key}:${e.headers[REACTED_HEADER] ?? '-'}`;
      expect(opened.map(marked).sort()).toEqual([
        ...Array.from({ length: 5 }, (_, i) => `new-${i}:welcome-credit`),
        ...Array.from({ length: 5 }, (_, i) => `old-${i}:-`),
      ]);
      // The runner reacts to the five old events only: ten credits, one per account.
      const runner = welcomeRunner(ns);
      await runner.start();
      await outcomes(ns, 20);
      await settle(1_500);
      // Past the first event its writer reacted to, a partition is no longer read.
      const reacted = (await outcomes(ns, 20)).filter((e) => e.headers[REACTED_HEADER] === 'welcome-credit');
      expect(runner.passedBy).toEqual([...new Set(reacted.map((e) => e.partition))].sort((a, b) => a - b));
      await runner.stop();
      const credits = (await outcomes(ns, 20)).filter((e) => typeOf(e) === 'settlement.FundsDeposited');
      expect(credits.map((e) => e.key).sort()).toEqual(
        [
          ...Array.from({ length: 5 }, (_, i) => `new-${i}`),
          ...Array.from({ length: 5 }, (_, i) => `old-${i}`),
        ].sort(),
      );
      expect(
        fromWelcome(await readTopic(kafka, commandsTopic, (rs) => fromWelcome(rs).length >= 10)),
      ).toHaveLength(10);
    } finally {
      await inline.stop();
    }
  });
});
