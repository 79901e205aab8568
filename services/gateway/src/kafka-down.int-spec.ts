// With Kafka unreachable, a mutation is answered UNAVAILABLE within its command timeout, with the
// idempotency key to retry with: kafkajs retries a send for about a minute and a half, and every
// caller waited that long for "internal error". Through the real gateway and a Redis of its own,
// its Kafka a port where nothing listens.
import { ServiceApp, startService } from '@gpux/platform';
import { DedicatedRedis, freePort } from '@gpux/testing';
import { gatewayService } from './service';

const ADMIN_KEY = 'kafka-down-int-spec-admin-key-0123456789';

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

describe('gateway with Kafka unreachable', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    gateway = await startService(
      gatewayService,
      {
        KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
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

  const deposit = async (key: string): Promise<Answer> => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({
        query: `mutation($key: String) { deposit(accountId: "acc-1", amount: "1.00", idempotencyKey: $key) { balance } }`,
        variables: { key },
      }),
    });
    return (await response.json()) as Answer;
  };

  it('answers a mutation UNAVAILABLE with the key to retry with, and the next one too (the producer connects again)', async () => {
    for (const key of ['down-1', 'down-2']) {
      const answer = await deposit(key);
      expect(answer.data).toEqual({ deposit: null });
      expect(answer.errors?.[0]).toMatchObject({
        path: ['deposit'],
        extensions: { code: 'UNAVAILABLE', idempotencyKey: key, retryAfterMs: 1_000 },
      });
      expect(answer.errors?.[0]?.message).toMatch(
        new RegExp(
          `^Kafka did not take the command \\((it could not be reached, or refused it|not taken within 10000 ms)\\); it may still be recorded once Kafka is back: retry with the same idempotency key ${key} to get its one outcome$`,
        ),
      );
    }
  }, 45_000);
});
