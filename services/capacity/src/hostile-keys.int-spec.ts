import { createHash } from 'node:crypto';
import { capacityMessages, capacityReadModel as rm, CapacityCommands } from '@gpux/contracts';
import { CommandSender } from '@gpux/eventsourcing';
import { KafkaClients, ServiceApp, startService } from '@gpux/platform';
import { freePort, infraEnv, uniqueName } from '@gpux/testing';
import Redis from 'ioredis';
import { capacityService } from './service';

// Issue 11: node ids may hold `:`. A node `n:certifications` once named the certifications list
// of node `n` as its hash: capacity's read model failed with WRONGTYPE and stopped folding. The
// real capacity service, Kafka and Redis.
describe("node ids with ':' in capacity's read model", () => {
  const env = infraEnv();
  const ns = uniqueName('nodekeys');
  const clients = new KafkaClients({ clientId: 'node-keys-int-spec', brokers: env.KAFKA_BROKERS.split(',') });
  const redis = new Redis(env.REDIS_URL);
  const sender = new CommandSender(clients.kafka, redis, capacityMessages, {
    service: 'capacity',
    source: 'node-keys-int-spec',
    namespace: ns,
  });
  let service: ServiceApp | undefined;

  const register = (nodeId: string, credentialHash: string) =>
    sender.send({
      type: CapacityCommands.registerNode.type,
      subject: nodeId,
      data: {
        nodeId,
        providerId: 'prov-1',
        gpuModel: 'H100-80GB',
        gpus: 8,
        region: 'eu-west',
        marketId: 'H100',
        credentialHash,
      },
    });
  const certify = (nodeId: string) =>
    sender.send({
      type: CapacityCommands.markNodeCertified.type,
      subject: nodeId,
      data: { nodeId, tflopsPerGpu: 300, validForMs: 3_600_000 },
    });

  beforeAll(async () => {
    service = await startService(
      capacityService,
      {
        ...env,
        PORT: String(await freePort()),
        TOPIC_NAMESPACE: ns,
        LOG_LEVEL: 'fatal',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
      },
      { shutdownHooks: false },
    );
  });
  afterAll(async () => {
    await sender.close();
    await service?.app.close();
    await redis.quit();
    await clients.onApplicationShutdown();
  });

  it('keeps node `n:certifications` and the certifications of node `n` apart', async () => {
    // The read model's keys are not namespaced like the topics: a node id of this run's own, so
    // that a second run against the same Redis does not find the first's certifications.
    const n = uniqueName('n');
    const credentials = [uniqueName('a'), uniqueName('b')].map((s) =>
      createHash('sha256').update(s).digest('hex'),
    );
    expect(await register(n, credentials[0]!)).toMatchObject({ status: 'accepted' });
    expect(await certify(n)).toMatchObject({ status: 'accepted' });
    expect(await register(`${n}:certifications`, credentials[1]!)).toMatchObject({ status: 'accepted' });
    expect(await certify(`${n}:certifications`)).toMatchObject({ status: 'accepted' });

    expect(await redis.hgetall(rm.node(`${n}:certifications`))).toMatchObject({
      providerId: 'prov-1',
      status: 'CERTIFIED',
    });
    expect(await redis.hgetall(rm.node(n))).toMatchObject({ providerId: 'prov-1', status: 'CERTIFIED' });
    expect(await redis.llen(rm.certifications(n))).toBe(1);
    expect(await redis.llen(rm.certifications(`${n}:certifications`))).toBe(1);
    expect(await redis.hget(rm.credential(credentials[1]!), 'nodeId')).toBe(`${n}:certifications`);
  });
});
