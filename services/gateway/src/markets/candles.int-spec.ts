// A market's candles through the real gateway on a Redis of its own, pricing's model seeded as its
// projection folds it. Before, only the latest candles (at most 500) could be read: a chart or a
// backtest could never reach older history. `before` pages back from the oldest candle held.
import { pricingReadModel as pm } from '@gpux/contracts';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import Redis from 'ioredis';
import {
  Answer as FixtureAnswer,
  markFolded,
  postGraphql,
  seedMarket,
  startGateway,
} from '../gateway.fixture';

const ADMIN_KEY = 'candles-int-spec-admin-key-0123456789';
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const minute = (n: number) => new Date(T0 + n * 60_000).toISOString();

type Answer = FixtureAnswer<{
  market: { candles: { start: string; close: string; trades: number }[] } | null;
}>;

describe("a market's candles, page by page back in time", () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;

  /** `limit` candles of a minute, before `before` where given (a variable: null or absent alike). */
  const candles = (limit: number, variables: Record<string, unknown> = {}): Promise<Answer> =>
    postGraphql(
      gateway.url,
      `query($before: DateTime) { market(id: "m1") { candles(interval: ONE_MINUTE, limit: ${limit}, before: $before) { start close trades } } }`,
      { variables },
    );
  const starts = (answer: Answer) => answer.data?.market?.candles.map((c) => c.start);

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await seedMarket(redis, 'm1');
    await markFolded(redis, [pm]);
    const seed = new Redis(redis.url);
    // Minutes 0, 1, 3, 4 and 6 had trades; 2 and 5 had none.
    for (const n of [0, 1, 3, 4, 6]) {
      const start = T0 + n * 60_000;
      await seed
        .multi()
        .zadd(pm.candleStarts('m1', '1m'), start, String(start))
        .hset(pm.candle('m1', '1m', start), {
          open: '1000000',
          high: '1000000',
          low: '1000000',
          close: String(1_000_000 + n * 10_000),
          volume: '1',
          value: '1000000',
          trades: '1',
        })
        .exec();
    }
    await seed.quit();
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  afterAll(async () => {
    await gateway?.app.close();
    await redis?.stop();
  });

  it('answers the latest candles, then those before the oldest one held, leaving out minutes without a trade', async () => {
    const latest = await candles(2);
    expect(latest.errors).toBeUndefined();
    expect(latest.data?.market?.candles).toEqual([
      { start: minute(4), close: '1.040000', trades: 1 },
      { start: minute(6), close: '1.060000', trades: 1 },
    ]);
    const older = await candles(2, { before: minute(4) });
    expect(older.errors).toBeUndefined();
    expect(starts(older)).toEqual([minute(1), minute(3)]);
    const oldest = await candles(2, { before: minute(1) });
    expect(starts(oldest)).toEqual([minute(0)]);
    // A time between two starts: the candles that start before it.
    expect(starts(await candles(5, { before: minute(3.5) }))).toEqual([minute(0), minute(1), minute(3)]);
    // Left out or null, the latest.
    expect(starts(await candles(5, { before: null }))).toEqual([0, 1, 3, 4, 6].map(minute));
  });

  it('refuses a before that is not a time, BAD_USER_INPUT on before', async () => {
    const refused = await candles(5, { before: 'yesterday' });
    expect(refused.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['field']])).toEqual([
      ['BAD_USER_INPUT', 'before'],
    ]);
  });
});
