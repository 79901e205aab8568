// A clientOrderId used again for a different order is refused IDEMPOTENCY_KEY_REUSED, naming the
// order it was first used for, and saying whether that order was placed (when) or not (refused,
// or not decided yet). Before, the message named the order id either way, "unless that one was
// refused", and a client that read that id found nothing, not knowing which it was. A gateway
// alone, on the environment's Kafka (its own namespace, with orders' commands topic that nothing
// reads, so the first order is never decided) and a Redis of its own, orders' model seeded as its
// runner folds it.
import { topic } from '@gpux/contracts';
import { KafkaClients, type ServiceApp } from '@gpux/platform';
import { createTopicsReady, DedicatedRedis, infraEnv, uniqueName } from '@gpux/testing';
import Redis from 'ioredis';
import { idFromKey } from '../api/idempotency';
import { Answer, postGraphql, seedApiKey, seedMarket, seedOrder, startGateway } from '../gateway.fixture';

const ADMIN_KEY = 'key-reused-int-spec-admin-key-0123456789';
const KEY = 'key-reused-int-spec-provider-key-0123456789';

describe('a clientOrderId reused for a different order', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let seed: Redis;

  const ask = (clientOrderId: string, price: string) =>
    postGraphql(gateway.url, 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }', {
      key: KEY,
      variables: {
        i: { marketId: 'm1', side: 'ASK', nodeId: 'n1', gpus: 1, hours: 1, price, clientOrderId },
      },
    });
  const refusal = (answer: Answer) => {
    const [error] = answer.errors ?? [];
    return { message: error?.message, extensions: error?.extensions };
  };

  beforeAll(async () => {
    const ns = uniqueName('reused');
    const clients = new KafkaClients({
      clientId: 'key-reused',
      brokers: infraEnv().KAFKA_BROKERS.split(','),
    });
    const { name, partitions } = topic('orders', 'commands', ns);
    await createTopicsReady(await clients.admin(), { topics: [{ topic: name, numPartitions: partitions }] });
    await clients.onApplicationShutdown();
    redis = await DedicatedRedis.start();
    await seedMarket(redis, 'm1');
    await seedApiKey(redis, KEY, 'acc-1', 'provider');
    seed = new Redis(redis.url);
    gateway = await startGateway(redis, ADMIN_KEY, { TOPIC_NAMESPACE: ns });
  });

  afterAll(async () => {
    seed?.disconnect();
    await gateway?.app.close();
    await redis?.stop();
  });

  it('says the first order was not placed, or when it was', async () => {
    // Two orders with one key at once, never decided here: one is bound to the key and waits, the
    // other is refused at once. No order has the key's id.
    const unplaced = idFromKey('ord', 'acc-1', 'ask-1');
    const pair = [ask('ask-1', '1.00'), ask('ask-1', '2.00')];
    expect(refusal(await Promise.race(pair))).toEqual({
      message: `this clientOrderId was already used for a different order, one that was refused or is not decided yet (no order ${unplaced} is placed: that order sent again answers its outcome); nothing was done: give a new order a new clientOrderId`,
      extensions: { code: 'IDEMPOTENCY_KEY_REUSED', field: 'input.clientOrderId', orderId: unplaced },
    });
    // The key's order placed, as orders' model shows it once it is: the refusal says when.
    const placed = idFromKey('ord', 'acc-1', 'ask-2');
    const createdAt = new Date().toISOString();
    await seedOrder(seed, placed, { side: 'ask', nodeId: 'n1', price: '1000000', gpus: '1', createdAt });
    const placedPair = [ask('ask-2', '1.00'), ask('ask-2', '2.00')];
    expect(refusal(await Promise.race(placedPair))).toEqual({
      message: `this clientOrderId was already used for a different order, ${placed}, placed at ${createdAt}; nothing was done: give a new order a new clientOrderId`,
      extensions: { code: 'IDEMPOTENCY_KEY_REUSED', field: 'input.clientOrderId', orderId: placed },
    });
    await Promise.all([...pair, ...placedPair]);
  }, 30_000);
});
