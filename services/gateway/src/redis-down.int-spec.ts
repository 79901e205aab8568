// With Redis stopped, the gateway answers UNAVAILABLE (try again shortly), where every request it
// could not serve was answered "internal error" after ioredis' retries. Through the real gateway
// and Kafka, with a Redis of its own that the test stops.
import { ServiceApp, startService } from '@gpux/platform';
import { DedicatedRedis, freePort, infraEnv } from '@gpux/testing';
import { gatewayService } from './service';

const ADMIN_KEY = 'redis-down-int-spec-admin-key-0123456789';

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

describe('gateway with Redis stopped', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    gateway = await startService(
      gatewayService,
      {
        KAFKA_BROKERS: infraEnv().KAFKA_BROKERS,
        REDIS_URL: redis.url,
        PORT: String(await freePort()),
        LOG_LEVEL: 'fatal',
        ADMIN_API_KEY: ADMIN_KEY,
      },
      { shutdownHooks: false },
    );
  });

  afterAll(async () => {
    await gateway?.app.close();
    await redis?.stop();
  });

  const ask = async (query: string): Promise<Answer> => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as Answer;
  };

  it('answers a query and a mutation UNAVAILABLE, the mutation with the key to retry with', async () => {
    expect(await ask('{ markets(first: 1) { edges { node { id } } } }')).toMatchObject({
      data: { markets: {} },
    });
    await redis.stop();

    const query = await ask('{ markets(first: 1) { edges { node { id } } } }');
    expect(query.errors?.[0]).toMatchObject({
      message: 'a part the gateway needs (Redis or Kafka) cannot be reached: retry in a second',
      extensions: { code: 'UNAVAILABLE', retryAfterMs: 1_000 },
    });

    const mutation = await ask(
      'mutation { deposit(accountId: "acc-1", amount: "1.00", idempotencyKey: "redis-down-1") { balance } }',
    );
    expect(mutation.data).toEqual({ deposit: null });
    expect(mutation.errors?.[0]).toMatchObject({
      path: ['deposit'],
      message:
        'Redis cannot be reached; the command may or may not be recorded: retry with the same idempotency key redis-down-1 to get its one outcome',
      extensions: { code: 'UNAVAILABLE', idempotencyKey: 'redis-down-1', retryAfterMs: 1_000 },
    });
  }, 45_000);
});
