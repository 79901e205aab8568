import { infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import { applyOps, Model, Published, RedisOp } from '../domain/projection';
import { applyBatch, ApplyRequest, BatchEvent } from './apply-script';
import { projectionKeys } from './keys';
import { dumpPrefix, plain } from './ledger.fixture';
import { resetReadModel } from './reset';

// The conditional writes (hsetnx, hmax, hmin) and publications of the apply script against the
// real Redis, checked against the pure reference applyOps. Keys of this run only; nothing flushed.

describe('the apply script (real Redis): conditional writes and publications', () => {
  const { REDIS_URL } = infraEnv();
  const redis = new Redis(REDIS_URL);
  const subscriber = new Redis(REDIS_URL);
  const name = uniqueName('candles');
  const prefix = `it-apply:${name}:`;
  const projection = { name, keyPrefix: prefix };
  const received: Published[] = [];
  let epoch = '';
  let checkpoint = -1;

  beforeAll(async () => {
    const reset = await resetReadModel(redis, projection);
    if (reset.kind !== 'reset') throw new Error('could not start a read model');
    epoch = reset.epoch;
    subscriber.on('pmessage', (_pattern, channel, message) => void received.push({ channel, message }));
    await subscriber.psubscribe(`${prefix}ch:*`);
  });

  afterAll(async () => {
    await resetReadModel(redis, projection);
    const own = projectionKeys(name);
    await redis.del(own.checkpoint, own.epoch, own.rebuildLock);
    subscriber.disconnect();
    await redis.quit();
  });

  /** One batch on partition 0, on top of the last one. */
  const request = (events: BatchEvent[], expectedCheckpoint = checkpoint): ApplyRequest => ({
    projectionName: name,
    keyPrefix: prefix,
    topic: 'it-apply',
    partition: 0,
    epoch,
    expectedCheckpoint,
    lastOffset: events.at(-1)?.offset ?? expectedCheckpoint,
    events,
  });

  async function apply(events: BatchEvent[]) {
    const result = await applyBatch(redis, request(events));
    if (result.status === 'applied') checkpoint = events.at(-1)?.offset ?? checkpoint;
    return result;
  }

  /** A pseudo-random mix of the hash writes over few keys and fields, so runs merge and interleave. */
  function randomOps(seed: number, count: number): RedisOp[] {
    let x = seed;
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const ops: RedisOp[] = [];
    for (let i = 0; i < count; i++) {
      const key = `${prefix}c${Math.floor(next() * 3)}`;
      // volume, a candle's count, is only ever written whole (an increment of anything else fails).
      const field = ['open', 'high', 'low', 'close', 'volume'][Math.floor(next() * 5)]!;
      const value = Math.floor(next() * 2_000) - 500;
      const kind = Math.floor(next() * 6);
      const whole = field === 'volume';
      if (kind === 0) ops.push({ op: 'hsetnx', key, field, value: String(value) });
      else if (kind === 1) ops.push({ op: 'hmax', key, field, value });
      else if (kind === 2) ops.push({ op: 'hmin', key, field, value: whole ? value : value + 0.25 });
      else if (kind === 3)
        ops.push({ op: 'hset', key, field, value: next() < 0.1 && !whole ? 'not a number' : String(value) });
      else if (kind === 4 && whole) ops.push({ op: 'hincrby', key, field, by: value });
      else ops.push({ op: 'hdel', key, field });
    }
    return ops;
  }

  it('applies hsetnx, hmax, hmin, hset and hincrby exactly as the reference, merged within and across kinds or not', async () => {
    const model: Model = new Map();
    let offset = checkpoint;
    // Compared after every batch: a later batch's writes would hide an earlier one's misordering.
    for (let round = 0; round < 40; round++) {
      const events = Array.from({ length: 20 }, (_, i) => ({
        offset: ++offset,
        ops: randomOps(round * 100 + i + 1, 15),
      }));
      for (const event of events) applyOps(model, event.ops);
      await expect(apply(events)).resolves.toEqual({ status: 'applied', applied: 20 });
      expect(plain(await dumpPrefix(redis, prefix))).toEqual(plain(model));
    }
    expect(Object.keys(plain(model))).toHaveLength(3);
  });

  it('removes a member once its hash reaches its total exactly as the reference, whatever the batch merged', async () => {
    // Orders on a live set: fills and cancels counted up in random steps, each followed by the
    // removal, in batches that merge the counters' increments around it.
    const model: Model = new Map();
    const live = `${prefix}live`;
    const filled = `${prefix}filled`;
    const order = (i: number) => `${prefix}order:${i}`;
    let x = 7;
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let offset = checkpoint;
    const opening: RedisOp[] = Array.from({ length: 6 }, (_, i) => [
      { op: 'zadd', key: live, score: i, member: String(i) } as const,
      { op: 'hset', key: order(i), field: 'gpus', value: String(4 + 4 * i) } as const,
    ]).flat();
    const first = [{ offset: ++offset, ops: opening }];
    applyOps(model, opening);
    await expect(apply(first)).resolves.toEqual({ status: 'applied', applied: 1 });
    for (let round = 0; round < 4; round++) {
      const events = Array.from({ length: 12 }, () => {
        const i = Math.floor(next() * 6);
        const field = next() < 0.8 ? 'filled' : 'cancelled';
        const ops: RedisOp[] = [
          { op: 'hincrby', key: order(i), field, by: 1 + Math.floor(next() * 2) },
          {
            op: 'zremWhenReached',
            key: live,
            member: String(i),
            hash: order(i),
            sum: ['filled', 'cancelled'],
            reaches: 'gpus',
          },
          // And its twin: an order filled whole joins the filled ones.
          {
            op: 'zaddWhenReached',
            key: filled,
            member: String(i),
            score: i,
            hash: order(i),
            sum: ['filled'],
            reaches: 'gpus',
          },
        ];
        return { offset: ++offset, ops };
      });
      for (const event of events) applyOps(model, event.ops);
      await expect(apply(events)).resolves.toEqual({ status: 'applied', applied: 12 });
      expect(await redis.zrange(live, 0, -1)).toEqual([...(model.get(live) as Map<string, string>).keys()]);
      const added = model.get(filled);
      expect(await redis.zrange(filled, 0, -1, 'WITHSCORES')).toEqual(
        added instanceof Map ? [...added].sort(([a], [b]) => Number(a) - Number(b)).flat() : [],
      );
    }
    expect(await redis.zcard(filled)).toBeGreaterThan(0);
    // Some orders left the set in these rounds, and some stayed.
    expect(await redis.zcard(live)).toBeGreaterThan(0);
    expect(await redis.zcard(live)).toBeLessThan(6);
    expect(plain(await dumpPrefix(redis, `${prefix}order:`))).toEqual(
      plain(new Map([...model].filter(([k]) => k.startsWith(`${prefix}order:`)))),
    );
    // The hash it reads must be a hash, checked before anything is written.
    const before = await redis.zrange(live, 0, -1);
    const notAHash = `${prefix}order:list`;
    await redis.rpush(notAHash, 'x');
    await expect(
      apply([
        {
          offset: checkpoint + 1,
          ops: [
            { op: 'zadd', key: live, score: 99, member: 'new' },
            {
              op: 'zremWhenReached',
              key: live,
              member: '5',
              hash: notAHash,
              sum: ['filled'],
              reaches: 'gpus',
            },
          ],
        },
      ]),
    ).rejects.toThrow(/WRONGTYPE .*order:list holds a list, zw reads a hash/);
    expect(await redis.zrange(live, 0, -1)).toEqual(before);
    await redis.del(notAHash);
  });

  it('removes the members scored below a bound (zremBelow) exactly as the reference, the bound excluded', async () => {
    const model: Model = new Map();
    const history = `${prefix}history`;
    const events = [10, 20, 30, 40].map((score, i) => ({
      offset: checkpoint + 1 + i,
      ops: [
        { op: 'zadd', key: history, score, member: `m${score}` },
        { op: 'zremBelow', key: history, below: score - 20 },
      ] satisfies RedisOp[],
    }));
    for (const event of events) applyOps(model, event.ops);
    await expect(apply(events)).resolves.toEqual({ status: 'applied', applied: 4 });
    expect(await redis.zrange(history, 0, -1, 'WITHSCORES')).toEqual(['m20', '20', 'm30', '30', 'm40', '40']);
    expect(plain(await dumpPrefix(redis, history))).toEqual(plain(new Map([[history, model.get(history)!]])));
  });

  it('keeps a candle: open from the first trade, high, low, close from the last', async () => {
    const key = `${prefix}candle`;
    const trade = (price: number): RedisOp[] => [
      { op: 'hsetnx', key, field: 'open', value: String(price) },
      { op: 'hmax', key, field: 'high', value: price },
      { op: 'hmin', key, field: 'low', value: price },
      { op: 'hset', key, field: 'close', value: String(price) },
    ];
    await apply([{ offset: checkpoint + 1, ops: trade(1_000_000) }]);
    await apply(
      [9_000_000, 800_000, 10_000_000, 2_000_000].map((price, i) => ({
        offset: checkpoint + 1 + i,
        ops: trade(price),
      })),
    );
    expect(await redis.hgetall(key)).toEqual({
      open: '1000000',
      high: '10000000',
      low: '800000',
      close: '2000000',
    });
  });

  it('expires a key at the time given, after the writes before it; a time already past removes it at once', async () => {
    const [kept, gone] = [`${prefix}kept`, `${prefix}gone`];
    const at = Date.now() + 60_000;
    await apply([
      {
        offset: checkpoint + 1,
        ops: [
          { op: 'hset', key: kept, field: 'status', value: 'accepted' },
          { op: 'pexpireat', key: kept, at },
          { op: 'rpush', key: gone, value: 'a' },
          { op: 'pexpireat', key: gone, at: Date.now() - 1_000 },
        ],
      },
    ]);
    expect(await redis.hgetall(kept)).toEqual({ status: 'accepted' });
    expect(await redis.pexpiretime(kept)).toBe(at);
    expect(await redis.exists(gone)).toBe(0);
  });

  it('publishes after an applied batch (an identical message once), and nothing for a refused one', async () => {
    const before = received.length;
    const channel = `${prefix}ch:book:m1`;
    const events: BatchEvent[] = [
      {
        offset: checkpoint + 1,
        ops: [
          { op: 'hincrby', key: `${prefix}book`, field: '100', by: 4 },
          { op: 'publish', key: channel, message: '{"marketId":"m1"}' },
        ],
      },
      {
        offset: checkpoint + 2,
        ops: [
          { op: 'hincrby', key: `${prefix}book`, field: '100', by: -1 },
          { op: 'publish', key: channel, message: '{"marketId":"m1"}' },
        ],
      },
      {
        offset: checkpoint + 3,
        ops: [
          { op: 'publish', key: `${prefix}ch:trades:m1`, message: '{"tradeId":"t1"}' },
          { op: 'publish', key: `${prefix}ch:trades:m1`, message: '{"tradeId":"t2"}' },
        ],
      },
    ];
    const first = request(events);
    await expect(apply(events)).resolves.toEqual({ status: 'applied', applied: 3 });
    await waitUntil('the publications', () => received.length >= before + 3, 5_000, 20);
    expect(received.slice(before)).toEqual([
      { channel, message: '{"marketId":"m1"}' },
      { channel: `${prefix}ch:trades:m1`, message: '{"tradeId":"t1"}' },
      { channel: `${prefix}ch:trades:m1`, message: '{"tradeId":"t2"}' },
    ]);
    // When a subscriber hears it, the writes are there.
    expect(await redis.hget(`${prefix}book`, '100')).toBe('3');

    // The same batch again (a re-delivery), and one prepared for another checkpoint: refused, silent.
    await expect(applyBatch(redis, first)).resolves.toEqual({ status: 'duplicate', checkpoint });
    await expect(
      applyBatch(redis, { ...first, expectedCheckpoint: checkpoint - 10, lastOffset: checkpoint + 5 }),
    ).resolves.toEqual({ status: 'diverged', checkpoint });
    await expect(
      applyBatch(redis, {
        ...first,
        epoch: 'another',
        expectedCheckpoint: checkpoint,
        lastOffset: checkpoint + 5,
      }),
    ).resolves.toEqual({ status: 'epoch-changed' });
    // A round trip on the subscriber's connection: anything published before it has arrived.
    await subscriber.ping();
    expect(received).toHaveLength(before + 3);
    expect(await redis.hget(`${prefix}book`, '100')).toBe('3');
  });

  it("publishes nothing for the events a reset's refold replays, and still the applied notice", async () => {
    const own = projectionKeys(name);
    const notices: string[] = [];
    const onNotice = (ch: string, message: string) => void (ch === own.applied && notices.push(message));
    subscriber.on('message', onNotice);
    await subscriber.subscribe(own.applied);
    const channel = `${prefix}ch:replay`;
    const event = (offset: number, message = String(offset)): BatchEvent => ({
      offset,
      ops: [
        { op: 'hincrby', key: `${prefix}replay`, field: 'n', by: 1 },
        { op: 'publish', key: channel, message },
      ],
    });
    const published = async (events: BatchEvent[]) => {
      const before = received.length;
      await expect(apply(events)).resolves.toEqual({ status: 'applied', applied: events.length });
      // A round trip on the subscriber's connection: anything published before it has arrived.
      await subscriber.ping();
      return received.slice(before).map((m) => (expect(m.channel).toBe(channel), m.message));
    };
    try {
      const from = checkpoint + 1;
      // The log ended at from + 3 when the model was reset: the events below it are history.
      await redis.set(own.rebuilding, JSON.stringify({ epoch, ends: { 'it-apply:0': from + 3 } }));
      // One call across that end: the events from it on are news; a message that a replayed event
      // and a new one both publish goes out (once).
      expect(
        await published([
          event(from),
          event(from + 1),
          event(from + 2, 'same'),
          event(from + 3, 'same'),
          event(from + 4),
        ]),
      ).toEqual(['same', String(from + 4)]);
      expect(notices).toEqual([`it-apply:0 ${from + 4}`]);
      // Wholly below the end: silent, though applied and announced on the applied channel.
      await redis.set(own.rebuilding, JSON.stringify({ epoch, ends: { 'it-apply:0': checkpoint + 10 } }));
      expect(await published([event(checkpoint + 1), event(checkpoint + 2)])).toEqual([]);
      expect(notices).toHaveLength(2);
      // A notice to waiters (a command's outcome) goes out below the end too: its caller may be
      // waiting on it since before the flush.
      const outcome: BatchEvent = {
        offset: checkpoint + 1,
        ops: [{ op: 'publish', key: channel, message: 'key-1', waiters: true }],
      };
      expect(await published([outcome, event(checkpoint + 2)])).toEqual(['key-1']);
      // Another partition's end, or a marker that cannot be read, silences nothing.
      await redis.set(own.rebuilding, JSON.stringify({ epoch, ends: { 'it-apply:1': checkpoint + 10 } }));
      let next = checkpoint + 1;
      expect(await published([event(next)])).toEqual([String(next)]);
      await redis.set(own.rebuilding, 'not json');
      next = checkpoint + 1;
      expect(await published([event(next)])).toEqual([String(next)]);
      // A marker written before markers held their epoch (the ends alone) reads the same.
      next = checkpoint + 1;
      await redis.set(own.rebuilding, JSON.stringify({ 'it-apply:0': next + 1 }));
      expect(await published([event(next), event(next + 1)])).toEqual([String(next + 1)]);
      expect(await redis.hget(`${prefix}replay`, 'n')).toBe('12');
    } finally {
      subscriber.off('message', onNotice);
      await subscriber.unsubscribe(own.applied);
      await redis.del(own.rebuilding, `${prefix}replay`);
    }
  });

  it('writes nothing at all from a batch that would write a key of another type, however often it is tried', async () => {
    const balance = `${prefix}poison:balance`;
    const list = `${prefix}poison:list`;
    const before = checkpoint;
    await apply([{ offset: checkpoint + 1, ops: [{ op: 'rpush', key: list, value: 'x' }] }]);
    const applied = checkpoint;
    const poison: BatchEvent[] = [
      {
        offset: applied + 1,
        ops: [
          { op: 'hincrby', key: balance, field: 'n', by: 5 },
          { op: 'rpush', key: list, value: 'y' },
        ],
      },
      {
        offset: applied + 2,
        ops: [
          { op: 'publish', key: `${prefix}ch:poison`, message: 'never' },
          { op: 'hset', key: list, field: 'f', value: 'v' },
        ],
      },
    ];
    for (let attempt = 0; attempt < 3; attempt++)
      await expect(apply(poison)).rejects.toThrow(/WRONGTYPE .*poison:list holds a list, hs needs a hash/);
    expect(applied).toBe(before + 1);
    expect(checkpoint).toBe(applied);
    expect(await redis.exists(balance)).toBe(0);
    expect(await redis.lrange(list, 0, -1)).toEqual(['x']);
    expect(received.filter((m) => m.channel === `${prefix}ch:poison`)).toEqual([]);
    // A delete before the other type's write makes the batch valid.
    await apply([
      {
        offset: applied + 1,
        ops: [
          { op: 'del', key: list },
          { op: 'hset', key: list, field: 'f', value: 'v' },
        ],
      },
    ]);
    expect(await redis.hgetall(list)).toEqual({ f: 'v' });
  });
  it('keeps sums past 64 bits exact, in both directions, where Redis refused them mid-batch', async () => {
    // The settlement's totals add up every deposit ever made: 1,025 of the largest deposit pass
    // 2^63 - 1, where HINCRBY refused the batch after its earlier writes (applied again on each
    // try, the read model stalled for good).
    const totals = `${prefix}totals`;
    const counter = `${prefix}counter`;
    const MAX = 2n ** 63n - 1n;
    const step = Number.MAX_SAFE_INTEGER;
    const expected = { deposits: MAX - 5n, withdrawals: -MAX + 5n, other: 0n, counter: MAX - 1n };
    await redis.hset(
      totals,
      'deposits',
      String(expected.deposits),
      'withdrawals',
      String(expected.withdrawals),
    );
    await redis.set(counter, String(expected.counter), 'PX', 600_000);
    let x = 11;
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    /** Increments that move `field` of `expected` to `to`, none past the largest safe integer. */
    const moveTo = (field: 'deposits' | 'withdrawals', to: bigint): RedisOp[] => {
      const ops: RedisOp[] = [];
      for (let left = to - expected[field]; left !== 0n;) {
        const big = BigInt(step);
        const by = left > big ? big : left < -big ? -big : left;
        ops.push({ op: 'hincrby', key: totals, field, by: Number(by) });
        left -= by;
      }
      expected[field] = to;
      return ops;
    };
    for (let round = 0; round <= 8; round++) {
      const outward = round < 4;
      const events: BatchEvent[] = Array.from({ length: 10 }, (_, i) => {
        // Past the edge and back, by up to the largest safe increment; the last round lands inside.
        const by = (sign: number) => sign * Math.floor(next() * step);
        const d = by(outward ? 1 : -1);
        const w = by(outward ? -1 : 1);
        const c = by(next() < 0.6 ? 1 : -1);
        expected.deposits += BigInt(d);
        expected.withdrawals += BigInt(w);
        expected.other += 1n;
        expected.counter += BigInt(c);
        const ops: RedisOp[] = [
          { op: 'hincrby', key: totals, field: 'other', by: 1 },
          { op: 'hincrby', key: totals, field: 'deposits', by: d },
          { op: 'hincrby', key: totals, field: 'withdrawals', by: w },
          { op: 'incrby', key: counter, by: c },
        ];
        if (round === 8 && i === 9) ops.push(...moveTo('deposits', MAX - 100n), ...moveTo('withdrawals', 7n));
        return { offset: checkpoint + 1 + i, ops };
      });
      await expect(apply(events)).resolves.toEqual({ status: 'applied', applied: 10 });
      // A re-delivery is a duplicate, and adds nothing.
      await expect(applyBatch(redis, request(events, checkpoint - 10))).resolves.toEqual({
        status: 'duplicate',
        checkpoint,
      });
      expect(await redis.hgetall(totals)).toEqual({
        deposits: String(expected.deposits),
        withdrawals: String(expected.withdrawals),
        other: String(expected.other),
      });
      expect(await redis.get(counter)).toBe(String(expected.counter));
      if (round === 3) {
        expect(expected.deposits).toBeGreaterThan(MAX);
        expect(expected.withdrawals).toBeLessThan(-MAX - 1n);
      }
    }
    // Back inside 64 bits, Redis increments it again as its own integer; the key kept its expiry.
    await redis.hincrby(totals, 'deposits', 1);
    expect(await redis.hget(totals, 'deposits')).toBe(String(MAX - 99n));
    expect(await redis.hincrby(totals, 'withdrawals', -1)).toBe(6);
    expect(await redis.pttl(counter)).toBeGreaterThan(0);
    await redis.del(totals, counter);
  });

  it('still refuses an increment of a field that holds no integer', async () => {
    const key = `${prefix}not-a-number`;
    await redis.hset(key, 'n', 'abc');
    const before = checkpoint;
    await expect(
      apply([{ offset: checkpoint + 1, ops: [{ op: 'hincrby', key, field: 'n', by: 1 }] }]),
    ).rejects.toThrow(/not an integer/);
    expect(checkpoint).toBe(before);
    expect(await redis.hget(key, 'n')).toBe('abc');
    await redis.del(key);
  });

  it('applies an event holding half a surrogate pair (it stored U+FFFD), where the script refused it on every try', async () => {
    const node = `${prefix}node:lone`;
    const before = checkpoint;
    const result = await apply([
      {
        offset: checkpoint + 1,
        ops: [
          { op: 'hset', key: node, field: 'region', value: 'eu\udc00' },
          { op: 'rpush', key: `${prefix}node:list`, value: 'X\ud800 and \ud83d\ude00' },
        ],
      },
    ]);
    expect(result.status).toBe('applied');
    expect(checkpoint).toBe(before + 1);
    expect(await redis.hget(node, 'region')).toBe('eu\ufffd');
    expect(await redis.lrange(`${prefix}node:list`, 0, -1)).toEqual(['X\ufffd and \ud83d\ude00']);
  });

  it('answers the first event whose cause is not in yet, writing nothing, and applies once it is', async () => {
    const lease = `${prefix}lease`;
    const balance = `${prefix}provider`;
    const credit = (offset: number, through: number, by: number): BatchEvent => ({
      offset,
      ops: [
        { op: 'requires', key: lease, field: 'charged', atLeast: through },
        { op: 'hincrby', key: balance, field: 'available', by },
      ],
    });
    const plainWrite: BatchEvent = {
      offset: checkpoint + 1,
      ops: [{ op: 'hincrby', key: balance, field: 'other', by: 1 }],
    };
    const events = [plainWrite, credit(checkpoint + 2, 100, 100), credit(checkpoint + 3, 150, 50)];
    const before = checkpoint;
    // No charge folded at all: the first credit waits; the write before it is not applied either.
    await expect(applyBatch(redis, request(events))).resolves.toEqual({
      status: 'waiting',
      offset: before + 2,
    });
    expect(await redis.hgetall(balance)).toEqual({});
    expect(await redis.hget(projectionKeys(name).checkpoint, 'it-apply:0')).toBe(String(before));
    // The first charge is in: now the second credit is the one that waits.
    await redis.hset(lease, 'charged', '100');
    await expect(applyBatch(redis, request(events))).resolves.toEqual({
      status: 'waiting',
      offset: before + 3,
    });
    // A value that is not a number does not satisfy a requirement.
    await redis.hset(lease, 'charged', 'n/a');
    await expect(applyBatch(redis, request(events))).resolves.toEqual({
      status: 'waiting',
      offset: before + 2,
    });
    await redis.hset(lease, 'charged', '150');
    await expect(apply(events)).resolves.toEqual({ status: 'applied', applied: 3 });
    expect(await redis.hgetall(balance)).toEqual({ other: '1', available: '150' });
    await redis.del(lease, balance);
  });

  it("does not wait for the causes of the events a reset's refold replays, and waits for those after them, and in a new generation", async () => {
    const own = projectionKeys(name);
    const lease = `${prefix}refold-lease`;
    const balance = `${prefix}refold-provider`;
    const credit = (offset: number, through: number): BatchEvent => ({
      offset,
      ops: [
        { op: 'requires', key: lease, field: 'charged', atLeast: through },
        { op: 'hincrby', key: balance, field: 'available', by: 1 },
      ],
    });
    try {
      const from = checkpoint + 1;
      // The log ended at from + 2 when the model was reset: the credits below it are history,
      // whose charges (on another partition, before them in the log) the refold folds before the
      // model is whole; none of them is folded yet.
      await redis.set(own.rebuilding, JSON.stringify({ epoch, ends: { 'it-apply:0': from + 2 } }));
      const events = [credit(from, 100), credit(from + 1, 200), credit(from + 2, 300)];
      await expect(applyBatch(redis, request(events))).resolves.toEqual({
        status: 'waiting',
        offset: from + 2,
      });
      // Into a new generation (one being built: its own checkpoints, from nothing) nothing speaks
      // for the causes: the first credit waits.
      await redis.set(own.building, epoch);
      await expect(applyBatch(redis, { ...request(events, -1), generation: 'g-refold' })).resolves.toEqual({
        status: 'waiting',
        offset: from,
      });
      await redis.del(own.building);
      expect(await redis.hgetall(balance)).toEqual({});
      await expect(apply(events.slice(0, 2))).resolves.toEqual({ status: 'applied', applied: 2 });
      expect(await redis.hget(balance, 'available')).toBe('2');
      // Past the end, a credit is live: it waits for its charge, as without a refold.
      await expect(apply(events.slice(2))).resolves.toEqual({ status: 'waiting', offset: from + 2 });
      await redis.hset(lease, 'charged', '300');
      await expect(apply(events.slice(2))).resolves.toEqual({ status: 'applied', applied: 1 });
      // With the marker gone (the model whole), every cause is waited for again.
      await redis.del(own.rebuilding);
      await expect(apply([credit(checkpoint + 1, 400)])).resolves.toEqual({
        status: 'waiting',
        offset: checkpoint + 1,
      });
      expect(await redis.hget(balance, 'available')).toBe('3');
    } finally {
      await redis.del(own.rebuilding, own.building, lease, balance);
    }
  });
});
