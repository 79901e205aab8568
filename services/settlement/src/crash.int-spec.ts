// The product's central promise, tested the hard way: the real settlement service (the built
// program, as `npm start` runs it) works through 10,000 commands while being killed with SIGKILL
// at random moments, and every command still has exactly one recorded outcome, in order, with
// balances equal to a pure fold of the commands.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HEADERS, settlementMessages, topic, topicsOf } from '@gpux/contracts';
import { provisionTopics } from '@gpux/eventsourcing';
import { commandMessage } from '@gpux/eventsourcing/testing';
import { KafkaClients } from '@gpux/platform';
import {
  DedicatedRedis,
  freePort,
  infraEnv,
  readTopic,
  ReadRecord,
  seededRandom,
  settle,
  uniqueName,
  waitUntil,
} from '@gpux/testing';
import type { Message } from 'kafkajs';
import { AccountCommand, accountDecider, AccountState } from './domain/accounts/account.decider';
import { accountKeys } from './domain/accounts/accounts.projection';

const ROOT = resolve(__dirname, '../../..');
const COMMANDS = 10_000;
const ACCOUNTS = 40;
const DUPLICATES = 200;
const KILLS = 6;

interface Planned {
  key: string;
  command: AccountCommand;
}

function plan(seed: number): Planned[] {
  const random = seededRandom(seed);
  const planned: Planned[] = [];
  for (let i = 0; i < ACCOUNTS; i++)
    planned.push({
      key: `open-${i}`,
      command: { type: 'settlement.OpenAccount', data: { accountId: `acc-${i}`, owner: `owner ${i}` } },
    });
  for (let i = planned.length; i < COMMANDS; i++) {
    const accountId = `acc-${Math.floor(random() * ACCOUNTS)}`;
    const amount = 1 + Math.floor(random() * 1_000_000);
    const type = random() < 0.55 ? 'settlement.Deposit' : 'settlement.Withdraw';
    planned.push({ key: `cmd-${i}`, command: { type, data: { accountId, amount } } as AccountCommand });
  }
  return planned;
}

/** What the log must say: each command's outcome type, and the balances, by a pure fold. */
function expected(planned: Planned[]) {
  const states = new Map<string, AccountState>();
  const outcomes = new Map<string, string>();
  for (const { key, command } of planned) {
    const id = command.data.accountId;
    const state = states.get(id) ?? accountDecider.initialState();
    const decision = accountDecider.decide(command, state, { now: new Date() });
    if (decision.kind === 'accepted') {
      states.set(id, decision.events.reduce(accountDecider.evolve, state));
      outcomes.set(key, decision.events.map((e) => e.type).join(','));
    } else {
      outcomes.set(key, `settlement.CommandRejected:${decision.code}`);
    }
  }
  return { outcomes, balances: new Map([...states].map(([id, s]) => [id, s.balance])) };
}

describe('settlement under SIGKILL', () => {
  const env = infraEnv();
  const clients = new KafkaClients({ clientId: 'crash-int-spec', brokers: env.KAFKA_BROKERS.split(',') });
  const ns = uniqueName('crash');
  const topics = {
    commands: topic('settlement', 'commands', ns).name,
    events: topic('settlement', 'events', ns).name,
  };
  const logFile = join(tmpdir(), `${ns}.log`);
  let redis: DedicatedRedis;
  let child: ChildProcess | undefined;

  async function startService(waitHealthy: boolean): Promise<ChildProcess> {
    const port = await freePort();
    const out = openSync(logFile, 'a');
    const proc = spawn('node', ['infra/runtime/run.js', 'services/settlement'], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        KAFKA_BROKERS: env.KAFKA_BROKERS,
        REDIS_URL: redis.url,
        PORT: String(port),
        TOPIC_NAMESPACE: ns,
        LOG_LEVEL: 'warn',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        SNAPSHOT_EVERY_EVENTS: '500',
        MAX_COMMANDS_PER_TRANSACTION: '50',
      },
      stdio: ['ignore', out, out],
    });
    child = proc;
    if (waitHealthy)
      await waitUntil(
        'settlement to answer /health',
        async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok,
        60_000,
      );
    return proc;
  }

  async function eventsWritten(): Promise<number> {
    const offsets = await (await clients.admin()).fetchTopicOffsets(topics.events);
    return offsets.reduce((sum, o) => sum + Number(o.offset), 0);
  }

  beforeAll(async () => {
    const main = join(ROOT, 'dist/out-tsc/services/settlement/src/main.js');
    if (!existsSync(main))
      throw new Error(`${main} is missing: build first (npx nx build settlement, or npm test)`);
    redis = await DedicatedRedis.start();
    await provisionTopics(await clients.admin(), topicsOf('settlement', ns));
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await redis?.stop();
    await clients.onApplicationShutdown();
  });

  it(`records exactly one outcome for each of ${COMMANDS} commands across ${KILLS} kills, and balances equal the fold`, async () => {
    const seed = Date.now() % 100_000;
    const planned = plan(seed);
    const messages: Message[] = planned.map((p) =>
      commandMessage(settlementMessages, {
        type: p.command.type,
        subject: p.command.data.accountId,
        data: p.command.data,
        idempotencyKey: p.key,
      }),
    );
    // Clients retry: some commands arrive twice, with the same idempotency key, later in the stream.
    const random = seededRandom(seed + 1);
    for (let i = 0; i < DUPLICATES; i++) {
      const at = ACCOUNTS + Math.floor(random() * (COMMANDS - ACCOUNTS));
      messages.push({ ...messages[at]! });
    }
    const producer = clients.producer({ idempotent: true });
    await producer.connect();
    // The commands arrive in waves, one before each start, so every kill finds work in progress.
    const wave = Math.ceil(messages.length / (KILLS + 1));
    const produceWave = async (k: number) => {
      const slice = messages.slice(k * wave, (k + 1) * wave);
      for (let i = 0; i < slice.length; i += 500)
        await producer.send({ topic: topics.commands, messages: slice.slice(i, i + 500) });
    };

    for (let kill = 1; kill <= KILLS; kill++) {
      const before = await eventsWritten();
      await produceWave(kill - 1);
      child = await startService(false);
      const progress = 20 + Math.floor(random() * wave * 0.7);
      await waitUntil(
        `progress before kill ${kill}`,
        async () => (await eventsWritten()) >= before + progress,
        60_000,
        10,
      );
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      process.stderr.write(
        `[crash] kill ${kill}: events offset ${await eventsWritten()} (waited for +${progress})\n`,
      );
    }
    await produceWave(KILLS);
    child = await startService(true);

    const isOutcome = (r: ReadRecord) => !(r.headers[HEADERS.type] ?? '').endsWith('.PartitionClaimed');
    await readTopic(clients.kafka, topics.events, (rs) => rs.filter(isOutcome).length >= COMMANDS, {
      timeoutMs: 120_000,
    });
    await settle(2_000);
    const events = (
      await readTopic(clients.kafka, topics.events, (rs) => rs.filter(isOutcome).length >= COMMANDS, {
        timeoutMs: 60_000,
      })
    ).filter(isOutcome);

    const want = expected(planned);
    const byKey = new Map<string, string[]>();
    for (const e of events) {
      const key = e.headers[HEADERS.idempotencyKey] ?? '(none)';
      const type = e.headers[HEADERS.type] ?? '';
      const label =
        type === 'settlement.CommandRejected'
          ? `${type}:${(JSON.parse(e.value) as { code: string }).code}`
          : type;
      byKey.set(key, [...(byKey.get(key) ?? []), label]);
    }
    expect(events).toHaveLength(COMMANDS);
    expect(byKey.size).toBe(COMMANDS);
    const wrong = planned.filter((p) => byKey.get(p.key)?.join(',') !== want.outcomes.get(p.key));
    expect(
      wrong
        .map((p) => `${p.key}: got ${byKey.get(p.key)?.join(',')} want ${want.outcomes.get(p.key)}`)
        .slice(0, 5),
    ).toEqual([]);

    // Per account, outcomes appear in the order the commands were sent.
    for (let i = 0; i < ACCOUNTS; i++) {
      const id = `acc-${i}`;
      const sent = planned.filter((p) => p.command.data.accountId === id).map((p) => p.key);
      const logged = events.filter((e) => e.key === id).map((e) => e.headers[HEADERS.idempotencyKey]);
      expect(logged).toEqual(sent);
    }

    // The read model, rebuilt by a service that was killed six times, equals the fold too.
    const balances = async () => {
      const got = new Map<string, number>();
      for (const id of want.balances.keys())
        got.set(id, Number(await redis.client().hget(accountKeys.account(id), 'balance')));
      return got;
    };
    await waitUntil(
      'the accounts read model to equal the fold',
      async () => JSON.stringify([...(await balances())]) === JSON.stringify([...want.balances]),
      60_000,
    ).catch(async (e: Error) => {
      throw new Error(
        `${e.message}\nservice log tail:\n${readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')}`,
      );
    });
    expect(await balances()).toEqual(want.balances);
  }, 300_000);
});
