import { ordersMessages, ordersReadModel as rm, OrdersCommands } from '@gpux/contracts';
import { CommandSender } from '@gpux/eventsourcing';
import { KafkaClients, ServiceApp, startService } from '@gpux/platform';
import { freePort, infraEnv, uniqueName } from '@gpux/testing';
import Redis from 'ioredis';
import { ordersService } from './service';

// Issue 11: idempotency keys are the caller's (a clientOrderId inside them). Keys `p` and
// `p:events` once named the same Redis key (one command's outcome hash, the other's events list):
// the outcomes projection failed with WRONGTYPE, the market's partition stalled, and every later
// command there timed out. The real orders service, Kafka and Redis.
describe('caller-chosen idempotency keys in the orders service', () => {
  const env = infraEnv();
  const ns = uniqueName('keys');
  const clients = new KafkaClients({
    clientId: 'hostile-keys-int-spec',
    brokers: env.KAFKA_BROKERS.split(','),
  });
  const redis = new Redis(env.REDIS_URL);
  const sender = new CommandSender(clients.kafka, redis, ordersMessages, {
    service: 'orders',
    source: 'hostile-keys-int-spec',
    namespace: ns,
  });
  let service: ServiceApp | undefined;

  beforeAll(async () => {
    service = await startService(
      ordersService,
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

  it('gives `p` and then `p:events` each its own outcome, and the market keeps answering', async () => {
    const marketId = 'H100:eu';
    const node = (nodeId: string) => ({
      marketId,
      nodeId,
      providerId: 'prov-1',
      gpus: 8,
      certifiedTflopsPerGpu: 350,
    });
    // One market: every command lands in the same partition.
    const opened = await sender.send({
      type: OrdersCommands.openMarket.type,
      subject: marketId,
      data: { marketId, gpuClass: 'H100-80GB', minTflopsPerGpu: 300, tickSize: 10_000, feeRateBps: 250 },
      idempotencyKey: 'order:acc-1:p',
    });
    expect(opened).toMatchObject({ status: 'accepted', eventTypes: ['orders.MarketOpened'] });

    const recorded = await sender.send({
      type: OrdersCommands.recordNode.type,
      subject: marketId,
      data: node('n:1'),
      idempotencyKey: 'order:acc-1:p:events',
    });
    expect(recorded).toMatchObject({ status: 'accepted', eventTypes: ['orders.NodeRecorded'] });
    const later = await sender.send({
      type: OrdersCommands.recordNode.type,
      subject: marketId,
      data: node('n2'),
      idempotencyKey: 'later',
    });
    expect(later).toMatchObject({ status: 'accepted', eventTypes: ['orders.NodeRecorded'] });

    // Each key still answers with its own first outcome.
    expect(await sender.outcome('order:acc-1:p')).toMatchObject({
      commandId: opened.commandId,
      eventTypes: ['orders.MarketOpened'],
    });
    expect(await sender.outcome('order:acc-1:p:events')).toMatchObject({
      commandId: recorded.commandId,
      eventTypes: ['orders.NodeRecorded'],
    });
    expect(Object.keys(await redis.hgetall(rm.marketNodes(marketId))).sort()).toEqual(['n2', 'n:1']);
  });
});
