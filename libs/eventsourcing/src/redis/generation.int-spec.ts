import { infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { switchGeneration, unlinkPrefix } from './generation';
import { generationKeys, generationsPrefix, projectionKeys } from './keys';
import {
  dumpPrefix,
  foldLog,
  LedgerFeed,
  ledgerProjection,
  ledgerRegistry,
  plain,
  randomEvents,
} from './ledger.fixture';
import type { Projection } from '../domain/projection';
import { RedisNotices } from './notices';
import { waitForPosition } from './position';
import { readModelRebuilding } from './reset';
import { ProjectionRunner } from './runner';

const keysUnder = async (redis: Redis, prefix: string) => [...(await dumpPrefix(redis, prefix)).keys()];

// Issue 11: a rebuild that was asked for refolds a long log into a new generation while readers
// keep reading the current model, whole, and switches to the new one in one step. Against the
// real broker and the shared Redis (keys of this run only; nothing is flushed here).

describe('a rebuild into a new generation', () => {
  const { KAFKA_BROKERS, REDIS_URL } = infraEnv();
  const kafka = new Kafka({
    clientId: 'generation-int-spec',
    brokers: KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const redis = new Redis(REDIS_URL);
  const reader = new Redis(REDIS_URL);
  const notices = new RedisNotices(redis);
  const topic = uniqueName('it-gen');
  const name = uniqueName('ledger');
  const projection = ledgerProjection(name, [topic]);
  const p = projection.keyPrefix;
  const own = projectionKeys(name);
  const accounts = Array.from({ length: 8 }, (_, i) => `acc-${i}`);
  const warnings: object[] = [];
  let runner: ProjectionRunner;

  const newRunner = () =>
    new ProjectionRunner({
      kafka,
      redis,
      projection,
      registry: ledgerRegistry,
      groupId: uniqueName('it-gen-group'),
      epochCheckIntervalMs: 200,
      // Small fetches: the refold of the long log takes many batches.
      batch: { maxWaitTimeInMs: 100, maxEventsPerCall: 50, maxBytesPerPartition: 16 * 1024 },
      logger: {
        log: () => undefined,
        warn: (m) => void warnings.push(m),
        error: (m) => void warnings.push(m),
      },
    });

  const feed = new LedgerFeed(kafka, redis, notices, topic, name);
  const send = (count: number) => feed.send(count, accounts);
  const caughtUp = () => feed.caughtUp();

  /** What a reader sees in one atomic read: the event counter, every balance, whether a build is on. */
  async function snapshot(): Promise<{ model: string; building: boolean }> {
    const tx = reader.multi().get(`${p}events`).get(own.building);
    for (const a of accounts) tx.hget(`${p}account:${a}`, 'balance').llen(`${p}entries:${a}`);
    const replies = ((await tx.exec()) ?? []).map(([error, value]) =>
      error ? `error ${error.message}` : value,
    );
    const [events, building, ...rest] = replies;
    return { model: JSON.stringify([events, ...rest]), building: building !== null };
  }

  beforeAll(async () => {
    await feed.open(3);
    runner = newRunner();
    await runner.start();
    await send(6_000);
    await caughtUp();
  }, 120_000);

  afterAll(async () => {
    await runner?.stop();
    await feed.close();
    await notices.close();
    await unlinkPrefix(redis, p);
    await redis.unlink(...Object.values(own));
    redis.disconnect();
    reader.disconnect();
  });

  it('keeps answering the whole model while it refolds thousands of events, then equals a fresh fold', async () => {
    const log = await caughtUp();
    const before = await snapshot();
    expect(before.building).toBe(false);
    expect(JSON.parse(before.model)[0]).toBe('6000');
    await redis.set(`${p}stray`, 'left by an earlier version of the projection');

    const seen = new Map<string, number>();
    let whileBuilding = 0;
    let reading = true;
    const readLoop = (async () => {
      while (reading) {
        const now = await snapshot();
        if (now.building) whileBuilding++;
        const what = now.model === before.model ? 'the whole model' : now.model;
        seen.set(what, (seen.get(what) ?? 0) + 1);
      }
    })();
    const rebuilds = runner.stats.rebuilds;
    await runner.rebuild();
    reading = false;
    await readLoop;

    // Every read, during the refold and across the switch, saw the whole model: never a missing
    // or partial balance, never UNAVAILABLE-worthy emptiness.
    expect([...seen.keys()]).toEqual(['the whole model']);
    expect(whileBuilding).toBeGreaterThan(0);
    expect(runner.stats.rebuilds).toBe(rebuilds + 1);
    expect(await readModelRebuilding(redis, name)).toBe(false);
    expect(plain(await dumpPrefix(redis, p))).toEqual(plain(foldLog(projection, topic, log)));
    // Nothing of the build is left, nor the request it served.
    expect(await keysUnder(redis, generationsPrefix(name))).toEqual([]);
    expect(await redis.exists(own.building, own.buildLock, own.rebuildRequest)).toBe(0);
  }, 120_000);

  it('keeps folding new events into the current model during the build (read-your-writes holds), and switches to a generation that has them', async () => {
    await caughtUp();
    const rebuilding = runner.rebuild();
    await waitUntil('the build to begin', async () => (await redis.exists(own.building)) === 1, 10_000);
    const [meta] = await feed.producer.send({ topic, messages: randomEvents(30, ['acc-new']) });
    feed.wrote(30);
    await waitForPosition(
      redis,
      name,
      { topic, partition: meta!.partition, offset: meta!.baseOffset! },
      10_000,
      notices,
    );
    expect(await redis.get(`${p}events`)).not.toBeNull();
    await rebuilding;
    const log = await caughtUp();
    expect(plain(await dumpPrefix(redis, p))).toEqual(plain(foldLog(projection, topic, log)));
    expect(await redis.get(`${p}events`)).toBe(String(feed.written));
  }, 120_000);

  it('serves a rebuild asked for by another process through the request key', async () => {
    await caughtUp();
    const rebuilds = runner.stats.rebuilds;
    await redis.set(own.rebuildRequest, new Date().toISOString());
    await waitUntil('the request to be served', async () => runner.stats.rebuilds === rebuilds + 1, 60_000);
    expect(await redis.exists(own.rebuildRequest)).toBe(0);
    const log = await caughtUp();
    expect(plain(await dumpPrefix(redis, p))).toEqual(plain(foldLog(projection, topic, log)));
  }, 120_000);

  it('abandons a build when the runner stops, deleting what it built and leaving the request for the next runner', async () => {
    await caughtUp();
    const before = plain(await dumpPrefix(redis, p));
    const rebuilding = runner.rebuild().then(
      () => 'switched',
      (error: unknown) => String(error),
    );
    await waitUntil('the build to begin', async () => (await redis.exists(own.building)) === 1, 10_000);
    await runner.stop();
    expect(await rebuilding).toMatch(/rebuild abandoned: the runner stopped/);
    expect(await keysUnder(redis, generationsPrefix(name))).toEqual([]);
    expect(await redis.exists(own.buildLock)).toBe(0);
    expect(plain(await dumpPrefix(redis, p))).toEqual(before);
    expect(await redis.exists(own.rebuildRequest)).toBe(1);

    // The next runner finds the request and serves it.
    runner = newRunner();
    await runner.start();
    await waitUntil(
      'the request to be served',
      async () => (await redis.exists(own.rebuildRequest)) === 0,
      60_000,
    );
    const log = await caughtUp();
    expect(plain(await dumpPrefix(redis, p))).toEqual(plain(foldLog(projection, topic, log)));
  }, 120_000);
});

describe('a model folded by another version of its projection', () => {
  const { KAFKA_BROKERS, REDIS_URL } = infraEnv();
  const kafka = new Kafka({
    clientId: 'generation-version-int-spec',
    brokers: KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const redis = new Redis(REDIS_URL);
  const notices = new RedisNotices(redis);
  const topic = uniqueName('it-ver');
  const name = uniqueName('ledger');
  const v1 = { ...ledgerProjection(name, [topic]), version: '1' };
  const p = v1.keyPrefix;
  const own = projectionKeys(name);
  // Version 2 writes one more key for every event, those already in the log included.
  const v2: Projection = {
    ...v1,
    version: '2',
    apply: (e, at) => {
      const ops = v1.apply(e, at);
      return ops.length === 0 ? ops : [...ops, { op: 'incrby', key: `${p}v2:events`, by: 1 }];
    },
  };
  const warnings: object[] = [];
  let runner: ProjectionRunner | undefined;

  const start = async (projection: Projection) => {
    runner = new ProjectionRunner({
      kafka,
      redis,
      projection,
      registry: ledgerRegistry,
      groupId: uniqueName('it-ver-group'),
      epochCheckIntervalMs: 200,
      batch: { maxWaitTimeInMs: 100 },
      logger: {
        log: () => undefined,
        warn: (m) => void warnings.push(m),
        error: (m) => void warnings.push(m),
      },
    });
    await runner.start();
    return runner;
  };
  const feed = new LedgerFeed(kafka, redis, notices, topic, name);
  const send = (count: number) => feed.send(count, ['acc-1', 'acc-2', 'acc-3']);
  const caughtUp = () => feed.caughtUp();

  beforeAll(() => feed.open(2), 60_000);

  afterAll(async () => {
    await runner?.stop();
    await feed.close();
    await notices.close();
    await unlinkPrefix(redis, p);
    await redis.unlink(...Object.values(own));
    redis.disconnect();
  });

  it('records the version that folded a new model, and rebuilds by itself when another version starts', async () => {
    // A model folded from offset zero records its version with its epoch: no rebuild for it.
    let r = await start(v1);
    await send(200);
    await caughtUp();
    expect(await redis.get(own.version)).toBe('1');
    expect(await redis.exists(own.rebuildRequest)).toBe(0);
    expect(r.stats.rebuilds).toBe(1);
    await r.stop();

    // The upgrade: version 2 finds a model version 1 folded, asks for a rebuild and serves it,
    // while the old model stays readable; the switch records version 2.
    r = await start(v2);
    await waitUntil('the rebuild to switch', async () => (await redis.get(own.version)) === '2', 60_000);
    expect(warnings).toContainEqual(
      expect.objectContaining({
        msg: expect.stringMatching(/folded by another version/),
        folded: '1',
        version: '2',
      }),
    );
    await send(50);
    const log = await caughtUp();
    expect(await redis.get(`${p}v2:events`)).toBe(String(feed.written));
    expect(plain(await dumpPrefix(redis, p))).toEqual(plain(foldLog(v2, topic, log)));
    expect(await redis.exists(own.rebuildRequest, own.building)).toBe(0);
    await r.stop();

    // The same version again: nothing to rebuild.
    warnings.length = 0;
    r = await start(v2);
    await send(10);
    await caughtUp();
    expect(r.stats.rebuilds).toBe(0);
    expect(await redis.exists(own.rebuildRequest)).toBe(0);
    expect(warnings).toEqual([]);
  }, 120_000);
});

describe('the generation switch', () => {
  const { REDIS_URL } = infraEnv();
  const redis = new Redis(REDIS_URL);
  const reader = new Redis(REDIS_URL);
  const name = uniqueName('switch');
  const keyPrefix = `switch-it:${name}:`;
  const own = projectionKeys(name);
  const generation = 'g1';
  const next = generationKeys(name, generation);
  const KEYS = 20_000;

  afterAll(async () => {
    await unlinkPrefix(redis, keyPrefix);
    await unlinkPrefix(redis, generationsPrefix(name));
    await redis.unlink(...Object.values(own));
    redis.disconnect();
    reader.disconnect();
  });

  async function fill(prefix: string, value: string, count: number): Promise<void> {
    for (let i = 0; i < count; i += 1_000) {
      const tx = redis.pipeline();
      for (let j = i; j < Math.min(count, i + 1_000); j++) tx.set(`${prefix}k:${j}`, value);
      await tx.exec();
    }
  }

  it('refuses while the generation is behind the model, or no longer the one being built', async () => {
    await redis.hset(own.checkpoint, 't:0', '10', 't:1', '5');
    await redis.set(own.epoch, 'e0');
    await redis.set(own.building, generation);
    await redis.hset(next.checkpoint, 't:0', '10', 't:1', '4');
    const request = { projection: { name, keyPrefix }, generation, epoch: 'e1', request: null };
    expect(await switchGeneration(redis, request)).toEqual({ kind: 'behind' });
    await redis.hdel(next.checkpoint, 't:1');
    expect(await switchGeneration(redis, request)).toEqual({ kind: 'behind' });
    await redis.set(own.building, 'another');
    await redis.hset(next.checkpoint, 't:1', '5');
    expect(await switchGeneration(redis, request)).toEqual({ kind: 'abandoned' });
    await redis.set(own.building, generation);
    await redis.set(own.rebuildLock, 'a reset is clearing the model');
    expect(await switchGeneration(redis, request)).toEqual({ kind: 'no-epoch' });
    await redis.del(own.rebuildLock);
    expect(await redis.get(own.epoch)).toBe('e0');
  });

  it('replaces the whole model in one step: every read sees all old keys or all new ones, and the old ones are gone', async () => {
    await fill(keyPrefix, 'old', KEYS);
    await redis.set(`${keyPrefix}only-in-the-old`, 'x');
    await fill(next.modelPrefix + keyPrefix, 'new', KEYS);
    await redis.hset(own.checkpoint, 't:0', '10', 't:1', '5');
    await redis.hset(next.checkpoint, 't:0', '12', 't:1', '5', 't:2', '3');
    await redis.set(own.epoch, 'e0');
    await redis.set(own.building, generation);
    await redis.set(own.rebuildRequest, 'asked');

    const sample = Array.from({ length: 50 }, (_, i) => `${keyPrefix}k:${Math.floor((i * KEYS) / 50)}`);
    const seen = new Set<string>();
    let reading = true;
    const readLoop = (async () => {
      while (reading) {
        const values = await reader.mget(...sample, `${keyPrefix}only-in-the-old`);
        seen.add(JSON.stringify([...new Set(values.slice(0, -1))]) + (values.at(-1) === null ? ' -' : ' +'));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = process.hrtime.bigint();
    const outcome = await switchGeneration(redis, {
      projection: { name, keyPrefix },
      generation,
      epoch: 'e1',
      request: 'asked',
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    await new Promise((resolve) => setTimeout(resolve, 50));
    reading = false;
    await readLoop;
    process.stderr.write(`[generation switch] ${KEYS} keys replaced in ${ms.toFixed(1)} ms\n`);

    expect(outcome).toEqual({ kind: 'switched', removed: KEYS + 1, moved: KEYS });
    // Old or new, whole: never some keys of each, nor the old generation's extra key beside the new.
    expect([...seen].sort()).toEqual(['["new"] -', '["old"] +']);
    expect(await redis.get(`${keyPrefix}k:0`)).toBe('new');
    expect(await redis.exists(`${keyPrefix}only-in-the-old`)).toBe(0);
    expect(await keysUnder(redis, generationsPrefix(name))).toEqual([]);
    expect(await redis.hgetall(own.checkpoint)).toEqual({ 't:0': '12', 't:1': '5', 't:2': '3' });
    expect(await redis.get(own.epoch)).toBe('e1');
    expect(await redis.exists(own.building, own.rebuildRequest)).toBe(0);
  });
});
