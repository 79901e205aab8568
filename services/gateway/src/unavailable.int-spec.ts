// While Kafka or Redis is down, the gateway answers UNAVAILABLE (try again), a mutation with the
// idempotency key to retry with. Before, with Kafka down a mutation waited about a minute and a
// half for kafkajs' retries, and with Redis down every request waited for ioredis' retries; both
// were then answered "internal error". Through the real gateway, with a Redis of its own; its
// Kafka is the real broker, or a port where nothing listens.
import { HealthCheckService } from '@nestjs/terminus';
import { RedisClient, ServiceApp, startService } from '@gpux/platform';
import { DedicatedRedis, freePort, infraEnv, waitUntil } from '@gpux/testing';
import { markFolded } from './gateway.fixture';
import { gatewayService } from './service';

const ADMIN_KEY = 'unavailable-int-spec-admin-key-0123456789';
const MARKETS = '{ markets(first: 1) { edges { node { id } } } }';
const deposit = (key: string) =>
  `mutation { deposit(accountId: "acc-1", amount: "1.00", idempotencyKey: "${key}") { balance } }`;

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

describe('gateway while Kafka or Redis is down', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp | undefined;

  const start = async (kafkaBrokers: string) => {
    await markFolded(redis); // every service started, on an empty log
    gateway = await startService(
      gatewayService,
      {
        KAFKA_BROKERS: kafkaBrokers,
        REDIS_URL: redis.url,
        PORT: String(await freePort()),
        LOG_LEVEL: 'fatal',
        ADMIN_API_KEY: ADMIN_KEY,
      },
      { shutdownHooks: false },
    );
    return gateway;
  };
  /** The answer, and its HTTP status and Retry-After. */
  const ask = async (
    { url }: ServiceApp,
    query: string,
  ): Promise<Answer & { http: { status: number; retryAfter: string | null } }> => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query }),
    });
    const http = { status: response.status, retryAfter: response.headers.get('retry-after') };
    return { ...((await response.json()) as Answer), http };
  };
  /** The gateway's gpux_health_check_up series in its /metrics, by check. */
  const healthChecks = async ({ url }: ServiceApp): Promise<Record<string, string>> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Object.fromEntries(
      [...text.matchAll(/^gpux_health_check_up\{check="([^"]+)",service="gateway"\} (\S+)$/gm)].map(
        ([, check, value]) => [check, value],
      ),
    );
  };
  // Nothing in the answer was answered: a 503 that says when to retry, which HTTP clients read.
  const RETRY_IN_A_SECOND = { status: 503, retryAfter: '1' };

  beforeEach(async () => {
    redis = await DedicatedRedis.start();
  });

  afterEach(async () => {
    await gateway?.app.close();
    gateway = undefined;
    await redis?.stop();
  });

  it('answers a mutation UNAVAILABLE (503, Retry-After) within its timeout while Kafka cannot be reached, with the key to retry with, and the next one too (the producer connects again)', async () => {
    const down = await start(`127.0.0.1:${await freePort()}`);
    for (const key of ['kafka-down-1', 'kafka-down-2']) {
      const answer = await ask(down, deposit(key));
      expect(answer.http).toEqual(RETRY_IN_A_SECOND);
      expect(answer.data).toEqual({ deposit: null });
      expect(answer.errors?.[0]).toMatchObject({
        path: ['deposit'],
        extensions: { code: 'UNAVAILABLE', idempotencyKey: key, retryAfterMs: 1_000 },
      });
      // Refused by the closed port (after kafkajs' connection retries), or still unsent at the timeout.
      expect(answer.errors?.[0]?.message).toMatch(
        new RegExp(
          `^Kafka did not take the command \\((it could not be reached, or refused it|not taken within 10000 ms)\\); it may still be recorded once Kafka is back: retry with the same idempotency key ${key} to get its one outcome$`,
        ),
      );
    }
  }, 45_000);

  it('answers a query and a mutation UNAVAILABLE (503, Retry-After) once Redis is stopped, the mutation with the key to retry with', async () => {
    const up = await start(infraEnv().KAFKA_BROKERS);
    expect(await ask(up, MARKETS)).toMatchObject({ data: { markets: {} } });
    await redis.stop();

    const query = await ask(up, MARKETS);
    expect(query.http).toEqual(RETRY_IN_A_SECOND); // Apollo's own answer was a 500
    expect(query.errors?.[0]).toMatchObject({
      message: 'a part the gateway needs (Redis or Kafka) cannot be reached: retry in a second',
      extensions: { code: 'UNAVAILABLE', retryAfterMs: 1_000 },
    });
    const mutation = await ask(up, deposit('redis-down-1'));
    expect(mutation.http).toEqual(RETRY_IN_A_SECOND);
    expect(mutation.data).toEqual({ deposit: null });
    expect(mutation.errors?.[0]).toMatchObject({
      path: ['deposit'],
      message:
        'Redis cannot be reached; the command may or may not be recorded: retry with the same idempotency key redis-down-1 to get its one outcome',
      extensions: { code: 'UNAVAILABLE', idempotencyKey: 'redis-down-1', retryAfterMs: 1_000 },
    });
  }, 45_000);

  // Answered at once: the gateway's Redis connection refuses a command while it is down (its
  // offline queue off, @gpux/platform's fail-fast.ts) instead of queueing it until ioredis'
  // reconnections give up, which made every request of an outage wait 6 to 8 s for its UNAVAILABLE.
  it('refuses what it sends Redis while Redis is down instead of queueing it, and serves again once Redis is back', async () => {
    const up = await start(infraEnv().KAFKA_BROKERS);
    const connection = up.app.get(RedisClient).redis;
    expect(await ask(up, MARKETS)).toMatchObject({ data: { markets: {} } });
    expect(await healthChecks(up)).toEqual({ startup: '1', kafka: '1', redis: '1' });
    const { port } = redis;
    await redis.stop();
    await waitUntil('the gateway to see Redis gone', () => connection.status !== 'ready');
    // What /health says, for Prometheus too (an alert on it), asked as the scrape comes.
    expect(await healthChecks(up)).toEqual({ startup: '1', kafka: '1', redis: '0' });

    await expect(connection.get('any')).rejects.toThrow(
      "Stream isn't writeable and enableOfflineQueue options is false",
    );
    expect(await ask(up, MARKETS)).toMatchObject({
      http: RETRY_IN_A_SECOND,
      errors: [{ extensions: { code: 'UNAVAILABLE', retryAfterMs: 1_000 } }],
    });

    redis = await DedicatedRedis.start({ port });
    await markFolded(redis); // restarted empty: as once every service has refolded it
    await waitUntil('the gateway to reconnect', () => connection.status === 'ready');
    expect(await ask(up, MARKETS)).toMatchObject({ data: { markets: {} } });
    expect(await healthChecks(up)).toEqual({ startup: '1', kafka: '1', redis: '1' });
  }, 45_000);

  // A scrape's readiness probe that fails outright (it throws, or does not answer within the
  // scrape's 2 s: the process too stalled to say): before, the gauge kept its last values, and
  // showed every check up for a service that could not say it was ready.
  it('shows every health check 0 at a scrape whose readiness probe hangs or fails, and the checks again once it answers', async () => {
    const up = await start(infraEnv().KAFKA_BROKERS);
    expect(await healthChecks(up)).toEqual({ startup: '1', kafka: '1', redis: '1' });
    const probe = jest.spyOn(up.app.get(HealthCheckService), 'check');
    const none = { startup: '0', kafka: '0', redis: '0' };

    probe.mockReturnValue(new Promise(() => undefined)); // never answers
    expect(await healthChecks(up)).toEqual(none);
    probe.mockRejectedValue(new Error('the probe itself failed'));
    expect(await healthChecks(up)).toEqual(none);

    probe.mockRestore();
    expect(await healthChecks(up)).toEqual({ startup: '1', kafka: '1', redis: '1' });
  }, 45_000);
});
