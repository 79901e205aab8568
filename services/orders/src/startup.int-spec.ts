import { ordersReadModel, topic } from '@gpux/contracts';
import { KafkaClients, ServiceApp, startService } from '@gpux/platform';
import { httpGet } from '@gpux/platform/testing';
import { DedicatedRedis, freePort, holdGroupJoin, infraEnv, uniqueName, waitUntil } from '@gpux/testing';
import { ordersService } from './service';

interface HealthBody {
  status: string;
  info?: Record<string, { status: string }>;
  error?: Record<string, { status: string; message?: string; waitingFor?: string[] }>;
}

const health = async (url: string, path: string) => {
  const { status, text } = await httpGet(`${url}${path}`);
  return { status, body: JSON.parse(text) as HealthBody };
};

// A restarting orders service whose read model's consumer group is held by a silent member (as a
// crashed instance holds it until its session runs out), started through startService as main.ts
// does: it answers /health/live at once, and readiness 503 naming the group it waits for, until the
// member lets the join complete; then it is ready.
describe('orders starting while a consumer group join waits', () => {
  const { KAFKA_BROKERS } = infraEnv();
  const ns = uniqueName('startup');
  const clients = new KafkaClients({ clientId: 'startup-int-spec', brokers: KAFKA_BROKERS.split(',') });
  const group = `${ns}.proj-${ordersReadModel.name}`;
  let redis: DedicatedRedis;
  let env: Record<string, string>;
  let service: ServiceApp | undefined;
  let holder: { release(): Promise<void> } | undefined;
  let starting: Promise<ServiceApp> | undefined;

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    env = { KAFKA_BROKERS, REDIS_URL: redis.url, TOPIC_NAMESPACE: ns, LOG_LEVEL: 'warn' };
    // A first run creates the topics (the holder must not auto-create them) and leaves cleanly.
    const first = await startService(
      ordersService,
      { ...env, PORT: String(await freePort()) },
      { shutdownHooks: false },
    );
    await first.app.close();
  });

  afterAll(async () => {
    // Even after a failure: the service's start completes once the group is let go.
    await holder?.release();
    service ??= await starting?.catch(() => undefined);
    await service?.app.close();
    await clients.onApplicationShutdown();
    await redis?.stop();
  });

  it('answers /health/live while its consumers join, and readiness 503 saying what it waits for until they have', async () => {
    holder = await holdGroupJoin(clients.kafka, group, topic('orders', 'events', ns).name);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    starting = startService(ordersService, { ...env, PORT: String(port) }, { shutdownHooks: false });
    let started = false;
    void starting.then(() => (started = true)).catch(() => undefined);

    // The join cannot complete while the holder holds the group: whatever is seen now is "joining".
    await waitUntil(
      '/health/live to answer',
      async () => (await httpGet(`${url}/health/live`).catch(() => null))?.status === 200,
      30_000,
    );
    expect(await health(url, '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    for (const path of ['/health/ready', '/health']) {
      const { status, body } = await health(url, path);
      expect({ path, status }).toEqual({ path, status: 503 });
      expect(body.error?.['startup']).toMatchObject({
        status: 'down',
        message: expect.stringContaining('partitions not assigned yet') as unknown,
        waitingFor: expect.arrayContaining([`consumer group ${group}`]) as unknown,
      });
      // What it checked before is still checked: Kafka and Redis answer.
      expect(body.info?.['kafka']?.status).toBe('up');
      expect(body.info?.['redis']?.status).toBe('up');
    }
    expect(started).toBe(false);

    await holder.release();
    service = await starting;
    const ready = await health(service.url, '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info?.['startup']?.status).toBe('up');
    expect(ready.body.info?.[ordersReadModel.name]?.status).toBe('up');
    expect(ready.body.info?.['commands']?.status).toBe('up');
  }, 90_000);
});
