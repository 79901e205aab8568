import { infraEnv, uniqueName } from '@gpux/testing';
import Redis from 'ioredis';
import { projectionKeys } from './keys';
import { dumpPrefix } from './ledger.fixture';
import { finishRebuild, readModelRebuilding, resetReadModel } from './reset';

// A reset whose rebuild lock is taken away (a FLUSHALL removes it; another runner's reset takes it
// next) must not go on to set its epoch: two resets clearing and refolding one model at once fold
// part of it twice. A flush is simulated on this run's keys only: nothing is flushed.

type Call = () => Promise<unknown>;
type Around = (command: string, args: unknown[], call: Call) => Promise<unknown>;

/** The commands a reset or a finish sends, each through `around` (the client itself is real). */
const WATCHED = new Set([
  'set',
  'get',
  'del',
  'exists',
  'scan',
  'unlink',
  'pexpire',
  'hmget',
  'eval',
  'evalsha',
]);

function instrumented(redis: Redis, around: Around): Redis {
  return new Proxy(redis, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (typeof property !== 'string' || !WATCHED.has(property)) return fn.bind(target);
      return (...args: unknown[]) => around(property, args, async () => fn.apply(target, args));
    },
  });
}

describe('resetReadModel and finishRebuild (real Redis) when another reset comes in between', () => {
  const { REDIS_URL } = infraEnv();
  const redis = new Redis(REDIS_URL);
  const names: string[] = [];

  afterAll(async () => {
    for (const name of names) {
      const own = projectionKeys(name);
      await redis.del(own.rebuildLock);
      await resetReadModel(redis, { name, keyPrefix: `it-reset:${name}:` });
      await redis.del(...Object.values(own));
    }
    await redis.quit();
  });

  /** A model of `count` keys under its epoch, with a checkpoint. */
  async function model(count: number) {
    const name = uniqueName('reset');
    names.push(name);
    const projection = { name, keyPrefix: `it-reset:${name}:` };
    const reset = await resetReadModel(redis, projection);
    if (reset.kind !== 'reset') throw new Error('could not start a read model');
    const own = projectionKeys(name);
    const tx = redis.multi();
    for (let i = 0; i < count; i++) tx.set(`${projection.keyPrefix}k:${i}`, String(i));
    tx.hset(own.checkpoint, 't:0', String(count - 1));
    await tx.exec();
    return { projection, own, epoch: reset.epoch };
  }

  it.each([1, 2, 3])(
    'a reset that loses its lock before its command %i after taking it sets no epoch and answers busy',
    async (at) => {
      const { projection, own, epoch } = await model(2_500);
      let taken = false;
      let after = 0;
      const client = instrumented(redis, async (command, args, call) => {
        if (taken && ++after === at) {
          // A FLUSHALL takes the lock away, and another runner's reset takes it.
          await redis.del(own.rebuildLock);
          await redis.set(own.rebuildLock, 'another reset', 'PX', 30_000);
        }
        const result = await call();
        if (command === 'set' && args[0] === own.rebuildLock && result === 'OK') taken = true;
        return result;
      });
      const outcome = await resetReadModel(client, projection, { endOffsets: { 't:0': 2_500 } });
      expect(outcome).toEqual({ kind: 'busy' });
      // The epoch is the old one or none (the other reset sets its own): never one of this reset.
      expect([epoch, null]).toContain(await redis.get(own.epoch));
      expect(await redis.get(own.rebuilding)).toBeNull();
      // The other reset's lock is left alone.
      expect(await redis.get(own.rebuildLock)).toBe('another reset');
    },
  );

  it('a reset that keeps its lock clears the model and sets its epoch with the marker', async () => {
    const { projection, own, epoch } = await model(2_500);
    const outcome = await resetReadModel(redis, projection, { endOffsets: { 't:0': 2_500, 't:1': 0 } });
    expect(outcome).toEqual({ kind: 'reset', epoch: expect.any(String), cleared: 2_500 });
    if (outcome.kind !== 'reset') return;
    expect(outcome.epoch).not.toBe(epoch);
    expect(await redis.get(own.epoch)).toBe(outcome.epoch);
    expect(await redis.exists(own.checkpoint, own.rebuildLock)).toBe(0);
    expect((await dumpPrefix(redis, projection.keyPrefix)).size).toBe(0);
    expect(await readModelRebuilding(redis, projection.name)).toBe(true);
    // Refolded up to the end recorded: complete.
    await redis.hset(own.checkpoint, 't:0', '2499');
    expect(await finishRebuild(redis, projection.name)).toBe(true);
    expect(await readModelRebuilding(redis, projection.name)).toBe(false);
  });

  it('finishRebuild keeps the marker of a reset that came after it read the checkpoints', async () => {
    const { projection, own } = await model(3);
    await resetReadModel(redis, projection, { endOffsets: { 't:0': 3 } });
    await redis.hset(own.checkpoint, 't:0', '2'); // the refold reached the end it recorded
    let raced = false;
    const client = instrumented(redis, async (command, _args, call) => {
      const result = await call();
      if (command === 'hmget' && !raced) {
        raced = true;
        // A flush of this model and a new reset, the log's end unchanged, between the read and the delete.
        await redis.del(own.epoch, own.checkpoint, own.rebuilding, own.version);
        const again = await resetReadModel(redis, projection, { endOffsets: { 't:0': 3 } });
        expect(again.kind).toBe('reset');
      }
      return result;
    });
    expect(await finishRebuild(client, projection.name)).toBe(false);
    // The new refold has not begun: the model stays marked incomplete.
    expect(await readModelRebuilding(redis, projection.name)).toBe(true);
    expect(await finishRebuild(redis, projection.name)).toBe(false);
  });
});
