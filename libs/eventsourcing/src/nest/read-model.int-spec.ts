import { get } from 'node:http';
import { Module } from '@nestjs/common';
import { Envelope } from '@gpux/contracts';
import {
  KafkaClients,
  PlatformModule,
  ServiceApp,
  ServiceDefinition,
  serviceConfigSchema,
  startService,
} from '@gpux/platform';
import { createTopicsReady, freePort, infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import Redis from 'ioredis';
import type { Admin, Producer } from 'kafkajs';
import type { Projection } from '../domain/projection';
import { eventSourcingConfigShape } from './config';
import { ReadModel, ReadModelModule } from './read-model.module';
import { projectionKeys } from '../redis/keys';
import { ledgerMessage, ledgerProjection, ledgerRegistry } from '../redis/ledger.fixture';
import { resetReadModel } from '../redis/reset';

// A service whose read model meets a poison batch: /health answers 503 naming the projection, the
// partition and the offset, the other partitions go on, and a rebuild once fixed brings it back.
// Real Kafka, the shared Redis (keys of this run only), the real Nest health endpoint.

interface HealthBody {
  status: string;
  error?: Record<string, { status: string; message?: string; stopped?: Array<Record<string, unknown>> }>;
}

function health(url: string): Promise<{ status: number; body: HealthBody }> {
  return new Promise((resolve, reject) => {
    const request = get(`${url}/health`, { agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as HealthBody });
        } catch (error) {
          reject(error);
        }
      });
    });
    request.on('error', reject);
  });
}

@Module({})
class PoisonedModule {}

describe('a read model stopped on a poison batch, in a service (real Kafka and Redis)', () => {
  const env = infraEnv();
  const clients = new KafkaClients({
    clientId: 'read-model-int-spec',
    brokers: env.KAFKA_BROKERS.split(','),
  });
  const redis = new Redis(env.REDIS_URL);
  const topic = uniqueName('it-rm-poison');
  const name = uniqueName('rm-poison');
  const ledger = ledgerProjection(name, [topic]);
  const state = { fixed: false };
  // Crediting `poison` also pushes onto its balance hash (WRONGTYPE) until fixed.
  const buggy: Projection = {
    ...ledger,
    apply(event: Envelope) {
      const ops = ledger.apply(event);
      const { account } = event.data as { account: string };
      if (state.fixed || account !== 'poison' || event.type !== 'ledger.Credited') return ops;
      return [...ops, { op: 'rpush', key: `${ledger.keyPrefix}account:poison`, value: 'boom' }];
    },
  };
  const configSchema = serviceConfigSchema(4999).extend(eventSourcingConfigShape);
  const definition: ServiceDefinition<typeof configSchema> = {
    name: 'poisoned',
    configSchema,
    module: (config) => ({
      module: PoisonedModule,
      imports: [
        PlatformModule.forService({ service: 'poisoned', config }),
        ReadModelModule.forService({
          name,
          prefix: ledger.keyPrefix,
          registry: ledgerRegistry,
          projections: () => [buggy],
        }),
      ],
    }),
  };
  let admin: Admin;
  let producer: Producer;
  let service: ServiceApp | undefined;

  const credit = (account: string, amount: number, partition: number) => ({
    ...ledgerMessage({ type: 'ledger.Credited', data: { account, amount, memo: null } }),
    partition,
  });
  const balance = async (account: string) =>
    Number(await redis.hget(`${ledger.keyPrefix}account:${account}`, 'balance'));

  beforeAll(async () => {
    admin = clients.kafka.admin();
    await admin.connect();
    await createTopicsReady(admin, { waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
    producer = clients.producer({ idempotent: true });
    await producer.connect();
    service = await startService(
      definition,
      {
        ...env,
        PORT: String(await freePort()),
        TOPIC_NAMESPACE: uniqueName('rmp'),
        LOG_LEVEL: 'fatal',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
      },
      { shutdownHooks: false },
    );
  });

  afterAll(async () => {
    await service?.app.close();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await resetReadModel(redis, ledger);
    const own = projectionKeys(name);
    await redis.del(own.checkpoint, own.epoch, own.rebuildLock);
    await redis.quit();
    await clients.onApplicationShutdown();
  });

  it('answers 503 naming it within 10 s, keeps folding the other partition, and is healthy again after a rebuild', async () => {
    const url = service!.url;
    await waitUntil('health to report up', async () => (await health(url)).status === 200, 20_000);
    await producer.send({ topic, messages: [credit('poison', 5, 0), credit('acc-1', 7, 1)] });

    await waitUntil(
      'health to report the stopped partition',
      async () => (await health(url)).status === 503,
      10_000,
    );
    const { body } = await health(url);
    expect(body.error?.[name]?.status).toBe('down');
    expect(body.error?.[name]?.message).toMatch(
      new RegExp(`projection ${name} stopped on ${topic}:0 at offset 0: .*WRONGTYPE`),
    );
    expect(body.error?.[name]?.stopped).toEqual([
      expect.objectContaining({ projection: name, topic, partition: 0, offset: 0 }),
    ]);
    expect(Object.keys(body.error ?? {})).toEqual([name]);

    await waitUntil('acc-1 credited', async () => (await balance('acc-1')) === 7, 10_000);
    await producer.send({ topic, messages: [credit('acc-1', 2, 1)] });
    await waitUntil('acc-1 credited again', async () => (await balance('acc-1')) === 9, 10_000);
    expect((await health(url)).status).toBe(503);

    state.fixed = true;
    await service!.app.get(ReadModel).rebuild();
    await waitUntil('the poison account credited', async () => (await balance('poison')) === 5, 10_000);
    await waitUntil('health to report up again', async () => (await health(url)).status === 200, 10_000);
    expect(await balance('acc-1')).toBe(9);
  });
});
