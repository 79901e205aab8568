import { bucketStart, Envelope, ordersMessages, pricingReadModel as K, topic } from '@gpux/contracts';
import { ReadModel, toKafka } from '@gpux/eventsourcing';
import { RedisClient, ServiceApp, startService } from '@gpux/platform';
import {
  DedicatedRedis,
  freePort,
  infraEnv,
  uniqueName,
  waitUntil,
  wholeReadModelHealth,
} from '@gpux/testing';
import type Redis from 'ioredis';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { accepted, cancelled, marketOpened, traded } from './domain/pricing.projection.fixture';
import { pricingService } from './service';
import { PricingQueries } from '@gpux/read-models';

// orders' events written to the log of a namespace of this test's own, folded by the pricing
// service into a Redis of its own (FLUSHALL runs there, never on the shared one).

/** Everything under the read model's prefix, as plain sorted data (sorted sets with scores). */
async function dump(redis: Redis): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const keys = (await redis.keys(`${K.prefix}*`)).sort();
  for (const key of keys) {
    const type = await redis.type(key);
    if (type === 'hash') out[key] = await redis.hgetall(key);
    else if (type === 'list') out[key] = await redis.lrange(key, 0, -1);
    else if (type === 'zset') out[key] = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else out[key] = await redis.get(key);
  }
  return out;
}

describe('pricing read model (real Kafka and Redis)', () => {
  const namespace = uniqueName('pricing');
  const eventsTopic = topic('orders', 'events', namespace).name;
  const kafka = new Kafka({
    clientId: 'pricing-int-spec',
    brokers: infraEnv().KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  let dedicated: DedicatedRedis;
  let service: ServiceApp;
  let producer: Producer;
  let readModel: ReadModel;
  let queries: PricingQueries;
  /** The last offset written per partition: what the read model must reach. */
  const written = new Map<number, string>();

  // Recent times, so the trades count in the rolling 24 h and 1 h windows.
  const now = Date.now();
  const minute = bucketStart('1m', now - 20 * 60_000);
  const at = (seconds: number) => new Date(minute + seconds * 1_000).toISOString();

  async function send(events: Envelope[]): Promise<void> {
    const messages = events.map((e) => toKafka(ordersMessages.encode(e)));
    const [meta] = await producer.send({ topic: eventsTopic, messages });
    if (!meta?.baseOffset) throw new Error('no offset for the events sent');
    written.set(meta.partition, String(Number(meta.baseOffset) + messages.length - 1));
  }

  async function caughtUp(): Promise<void> {
    for (const [partition, offset] of written)
      await readModel.waitFor({ topic: eventsTopic, partition, offset }, 30_000);
  }

  beforeAll(async () => {
    dedicated = await DedicatedRedis.start();
    service = await startService(
      pricingService,
      {
        ...infraEnv(),
        REDIS_URL: dedicated.url,
        PORT: String(await freePort()),
        TOPIC_NAMESPACE: namespace,
        LOG_LEVEL: 'warn',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
      },
      { shutdownHooks: false },
    );
    readModel = service.app.get(ReadModel);
    queries = new PricingQueries(service.app.get(RedisClient).redis);
    producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await service?.app.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [eventsTopic] }).catch(() => undefined);
    await admin.disconnect();
    await dedicated?.stop();
  });

  it('folds orders events into depth, ticker, candles and trades, and announces them', async () => {
    const subscriber = dedicated.client().duplicate();
    const heard: string[] = [];
    subscriber.on('message', (channel: string) => void heard.push(channel));
    await subscriber.subscribe(K.channels.trades('m1'), K.channels.book('m1'));
    try {
      // m1 on one partition (its id is the key), m2 perhaps on another.
      await send([
        marketOpened({ marketId: 'm1' }, at(0)),
        accepted({ marketId: 'm1', orderId: 'a1', side: 'ask', price: 2_000_000, gpus: 8 }, at(1)),
        accepted({ marketId: 'm1', orderId: 'a2', side: 'ask', price: 2_100_000, gpus: 4 }, at(2)),
        accepted({ marketId: 'm1', orderId: 'b1', side: 'bid', price: 1_900_000, gpus: 3 }, at(3)),
        accepted(
          {
            marketId: 'm1',
            orderId: 'b2',
            side: 'bid',
            price: 2_100_000,
            gpus: 10,
            hours: 2,
            timeInForce: 'IOC',
          },
          at(70),
        ),
        traded(
          {
            marketId: 'm1',
            tradeId: 'm1-t1',
            bidId: 'b2',
            askId: 'a1',
            price: 2_000_000,
            bidPrice: 2_100_000,
            askPrice: 2_000_000,
            gpus: 8,
            hours: 2,
          },
          at(70),
        ),
        traded(
          {
            marketId: 'm1',
            tradeId: 'm1-t2',
            bidId: 'b2',
            askId: 'a2',
            price: 2_100_000,
            bidPrice: 2_100_000,
            askPrice: 2_100_000,
            gpus: 2,
            hours: 2,
          },
          at(70),
        ),
        cancelled(
          {
            marketId: 'm1',
            orderId: 'b9',
            side: 'bid',
            price: 1_900_000,
            gpus: 5,
            reason: 'FUNDS_REJECTED',
            holdReleased: 0,
          },
          at(80),
        ),
      ]);
      await send([
        marketOpened({ marketId: 'm2', minTflopsPerGpu: 0 }, at(0)),
        accepted({ marketId: 'm2', orderId: 'x1', side: 'ask', price: 500_000, gpus: 1 }, at(5)),
      ]);
      await caughtUp();

      expect(await queries.depth('m1')).toEqual({
        marketId: 'm1',
        bids: [{ price: 1_900_000, gpus: 3 }],
        asks: [{ price: 2_100_000, gpus: 2 }],
      });
      expect(await queries.depth('m2')).toEqual({
        marketId: 'm2',
        bids: [],
        asks: [{ price: 500_000, gpus: 1 }],
      });

      const value = 8 * 2 * 2_000_000 + 2 * 2 * 2_100_000;
      expect(await queries.ticker('m1', now)).toEqual({
        marketId: 'm1',
        last: 2_100_000,
        lastTime: at(70),
        lastTradeId: 'm1-t2',
        bestBid: { price: 1_900_000, gpus: 3 },
        bestAsk: { price: 2_100_000, gpus: 2 },
        day: { trades: 2, volume: 20, value: BigInt(value), vwap: value / 20 },
        total: { trades: 2, volume: 20, value: BigInt(value) },
      });
      // A day later the trades have left the window; the last price stays.
      expect((await queries.ticker('m1', now + 86_400_000)).day).toEqual({
        trades: 0,
        volume: 0,
        value: 0n,
        vwap: null,
      });
      expect(await queries.index('m1', now)).toEqual({
        marketId: 'm1',
        price: value / 20,
        source: 'vwap-1h',
        perTflopHour: Math.round(value / 20 / 400),
        minTflopsPerGpu: 400,
      });
      expect(await queries.index('m1', now + 2 * 3_600_000)).toMatchObject({
        price: 2_100_000,
        source: 'last',
      });

      expect(await queries.candles('m1', '1m')).toEqual([
        {
          interval: '1m',
          start: new Date(minute + 60_000).toISOString(),
          open: 2_000_000,
          high: 2_100_000,
          low: 2_000_000,
          close: 2_100_000,
          volume: 20,
          value: BigInt(value),
          trades: 2,
        },
      ]);
      expect(
        await dedicated.client().hgetall(K.candle('m1', '1h', bucketStart('1h', minute + 70_000))),
      ).toEqual({
        open: '2000000',
        high: '2100000',
        low: '2000000',
        close: '2100000',
        volume: '20',
        value: String(value),
        trades: '2',
      });
      expect((await queries.trades('m1')).map((t) => t.tradeId)).toEqual(['m1-t2', 'm1-t1']);

      await waitUntil(
        'the trade notices',
        () => heard.filter((c) => c === K.channels.trades('m1')).length === 2,
        5_000,
        20,
      );
      expect(heard).toContain(K.channels.book('m1'));
    } finally {
      subscriber.disconnect();
    }
  });

  it("reads a day's sums past 32 bits of GPU-hours and 2^53 micro-USD exactly", async () => {
    // 240 year-long leases of a whole 1,024-GPU node at $500 per GPU-hour: each trade's value is
    // a safe integer (4.5 × 10^15 micro-USD), their sum is not, and their GPU-hours pass 2^31.
    const [gpus, hours, price, n] = [1_024, 8_784, 500_000_000, 240];
    await send([
      marketOpened({ marketId: 'big', minTflopsPerGpu: 1e-9 }, at(0)),
      ...Array.from({ length: n }, (_, i) =>
        traded(
          {
            marketId: 'big',
            tradeId: `big-t${i + 1}`,
            bidId: `b${i}`,
            askId: `a${i}`,
            price,
            bidPrice: price,
            askPrice: price,
            gpus,
            hours,
          },
          at(130),
        ),
      ),
    ]);
    await caughtUp();
    const volume = n * gpus * hours;
    const value = BigInt(n) * BigInt(gpus * hours * price);
    expect(volume).toBeGreaterThan(2 ** 31);
    expect(value).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    const ticker = await queries.ticker('big', now);
    expect(ticker.day).toEqual({ trades: n, volume, value, vwap: price });
    expect(ticker.total).toEqual({ trades: n, volume, value });
    expect(await queries.candles('big', '1d')).toEqual([
      expect.objectContaining({ volume, value, trades: n, open: price, close: price }),
    ]);
    // $500 per GPU-hour at a billionth of a TFLOP/s per GPU is 5 × 10^17 micro-USD per TFLOP-hour,
    // no exact amount: none, rather than a figure the API cannot write.
    expect(await queries.index('big', now)).toMatchObject({ price, source: 'vwap-1h', perTflopHour: null });
  });

  it('reports the read model and its lag in /health, and says so while it refolds', async () => {
    // Started on a model without an epoch, the service refolded it from offset 0.
    const whole = await wholeReadModelHealth(service.url, K.name, (refolding) =>
      expect(refolding).toEqual({ since: expect.any(String), ms: expect.any(Number) }),
    );
    expect(whole).toEqual({ status: 'up', lag: expect.any(Number), partitions: 6 });
  });

  it('rebuilds the same read model from the log after Redis is flushed', async () => {
    await caughtUp();
    const redis = dedicated.client();
    const before = await dump(redis);
    expect(Object.keys(before).length).toBeGreaterThan(15);
    await redis.flushall();
    // The checkpoints went with the flush: waiting for them is waiting for the rebuild.
    await caughtUp();
    expect(await dump(redis)).toEqual(before);
  });
});
