// createApiKey's answer is the only place its key is shown. When it is lost (a TIMEOUT: here no
// settlement service runs, so no command is ever decided), the same request again names the key
// id the first one creates, so that it can be revoked once it shows: with the client's
// idempotency key, and without one with the key its TIMEOUT names. A gateway alone, on the
// environment's Kafka (its own namespace, with settlement's commands topic that nothing reads) and
// a Redis of its own.
import { topic } from '@gpux/contracts';
import { KafkaClients, type ServiceApp } from '@gpux/platform';
import { createTopicsReady, DedicatedRedis, infraEnv, uniqueName } from '@gpux/testing';
import { idFromKey } from '../api/idempotency';
import { Answer, postGraphql, startGateway } from '../gateway.fixture';

const ADMIN_KEY = 'lost-answers-int-spec-admin-key-0123456789';

describe('a lost createApiKey answer', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  const create = (idempotencyKey?: string) =>
    postGraphql(
      gateway.url,
      'mutation($k: String) { createApiKey(accountId: "acc-1", roles: [BUYER], idempotencyKey: $k) { keyId key } }',
      { key: ADMIN_KEY, variables: idempotencyKey ? { k: idempotencyKey } : {} },
    );
  const reused = (answer: Answer, key: string) =>
    expect(answer.errors?.[0]).toMatchObject({
      message: expect.stringMatching(
        /creates key \S+ if it is accepted, whose key is shown once: once Account.apiKeys lists it, revoke it/,
      ),
      extensions: {
        code: 'IDEMPOTENCY_KEY_REUSED',
        field: 'idempotencyKey',
        keyId: idFromKey('key', 'acc-1', key),
      },
    });

  beforeAll(async () => {
    // The command must be taken by Kafka and then never decided: on a broker without the topic
    // (a fresh one, where no other run left it) the send itself failed, UNAVAILABLE.
    const ns = uniqueName('lost');
    const clients = new KafkaClients({
      clientId: 'lost-answers',
      brokers: infraEnv().KAFKA_BROKERS.split(','),
    });
    const { name, partitions } = topic('settlement', 'commands', ns);
    await createTopicsReady(await clients.admin(), { topics: [{ topic: name, numPartitions: partitions }] });
    await clients.onApplicationShutdown();
    redis = await DedicatedRedis.start();
    gateway = await startGateway(redis, ADMIN_KEY, { TOPIC_NAMESPACE: ns });
  });

  afterAll(async () => {
    await gateway?.app.close();
    await redis?.stop();
  });

  it('names the key id the first request creates, with the client’s key or the one its TIMEOUT names', async () => {
    const withoutKey = (async () => {
      const first = await create();
      // It says when to retry too: after the 5 s a command may still take to be decided.
      expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'TIMEOUT', retryAfterMs: 5_000 });
      const named = first.errors?.[0]?.extensions?.['idempotencyKey'] as string;
      expect(first.errors?.[0]?.message).toMatch(
        new RegExp(`: send it again with idempotencyKey ${named} to get its one outcome$`),
      );
      reused(await create(named), named);
    })();
    // Two requests with one key at once: one is bound to it and waits, the other is refused at once.
    const pair = [create('lost-1'), create('lost-1')];
    reused(await Promise.race(pair), 'lost-1');
    const answers = await Promise.all(pair);
    expect(answers.map((a) => a.errors?.[0]?.extensions?.['code']).sort()).toEqual([
      'IDEMPOTENCY_KEY_REUSED',
      'TIMEOUT',
    ]);
    await withoutKey;
  }, 30_000);
});
