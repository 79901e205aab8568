// An order named by the clientOrderId it was placed with, in `order` and `cancelOrder`; a cancel
// of an order with nothing left refused ORDER_NOT_OPEN (it exists: NOT_FOUND said it did not);
// and a cancel that IS recorded, with Redis flushed before its answer is read, answered the order
// once refolded or the retryable UNAVAILABLE, never a null with no error. A gateway on the
// environment's Kafka and a Redis of its own; no service runs: Commands.execute is replaced by one
// that records (or refuses) the command, and the test refolds what orders' runner would.
import { capacityReadModel, ordersReadModel, pricingReadModel, settlementReadModel } from '@gpux/contracts';
import { checkpointField, CommandOutcome, projectionKeys, resetReadModel } from '@gpux/eventsourcing';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import Redis from 'ioredis';
import { Commands } from '../api/commands';
import { apiError } from '../api/errors';
import { idFromKey } from '../api/idempotency';
import { seedApiKey, seedMarket, startGateway } from '../gateway.fixture';

const ADMIN_KEY = 'orders-int-spec-admin-key-0123456789';
const BUYER_KEY = 'orders-int-spec-buyer-key-0123456789';
const OTHER_KEY = 'orders-int-spec-other-buyer-key-0123456789';
const TOPIC = 'ns.orders.events';
const OFFSET = 17;
const MODELS = [settlementReadModel, ordersReadModel, capacityReadModel, pricingReadModel];
const ORDER_ID = idFromKey('ord', 'acc-1', 'my-first-bid');

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

describe('orders named by clientOrderId, and cancels', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let seed: Redis;
  let execute: jest.SpyInstance;

  const gql = async (query: string, key: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Answer;
  };

  const folded = async () => {
    for (const { name, prefix } of MODELS)
      await resetReadModel(seed, { name, keyPrefix: prefix }, { onlyIfNoEpoch: true, endOffsets: {} });
  };

  /** The bid acc-1 placed with clientOrderId my-first-bid, as orders' model shows it. */
  const seedOrder = async (fields: Record<string, string> = {}) => {
    await seed.hset(ordersReadModel.order(ORDER_ID), {
      marketId: 'm1',
      side: 'bid',
      accountId: 'acc-1',
      price: '2500000',
      gpus: '2',
      hours: '1',
      timeInForce: 'GTC',
      accepted: '1',
      filled: '0',
      cancelled: '0',
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
      ...fields,
    });
  };

  /** Commands.execute recording the command at OFFSET, Redis flushed first where asked, refolded `refold` later. */
  const recorded = (flush: boolean, refold?: () => Promise<void>) =>
    execute.mockImplementation(async (): Promise<CommandOutcome> => {
      if (flush) {
        await seed.flushall();
        if (refold) setTimeout(() => void refold(), 300);
      } else
        await seed.hset(projectionKeys(ordersReadModel.name).checkpoint, checkpointField(TOPIC, 0), OFFSET);
      return {
        status: 'accepted',
        commandId: 'cmd-1',
        eventTypes: ['orders.OrderCancelled'],
        position: { topic: TOPIC, partition: 0, offset: String(OFFSET) },
      };
    });

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    seed = new Redis(redis.url);
    gateway = await startGateway(redis, ADMIN_KEY);
    execute = jest.spyOn(gateway.app.get(Commands), 'execute');
  });

  beforeEach(async () => {
    execute.mockReset();
    await seed.flushall();
    await folded();
    await seedMarket(redis);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    await seedApiKey(redis, OTHER_KEY, 'acc-2', 'buyer');
    await seedOrder();
  });

  afterAll(async () => {
    await gateway?.app.close();
    await seed?.quit();
    await redis?.stop();
  });

  it('finds your order by the clientOrderId you placed it with, and no one else’s', async () => {
    const query = 'query($c: String) { order(clientOrderId: $c) { id status gpus } }';
    expect(await gql(query, BUYER_KEY, { c: 'my-first-bid' })).toEqual({
      data: { order: { id: ORDER_ID, status: 'OPEN', gpus: 2 } },
    });
    // The same clientOrderId of another account names that account's order: none here.
    expect(await gql(query, OTHER_KEY, { c: 'my-first-bid' })).toEqual({ data: { order: null } });
    expect(await gql(`{ order(id: "${ORDER_ID}") { id } }`, BUYER_KEY)).toEqual({
      data: { order: { id: ORDER_ID } },
    });
  });

  it('takes exactly one of id and clientOrderId, BAD_USER_INPUT on the argument at fault', async () => {
    const both = await gql(`{ order(id: "${ORDER_ID}", clientOrderId: "my-first-bid") { id } }`, BUYER_KEY);
    expect(both.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'clientOrderId' });
    const neither = await gql('{ order { id } }', BUYER_KEY);
    expect(neither.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    const cancelNeither = await gql('mutation { cancelOrder { id } }', BUYER_KEY);
    expect(cancelNeither.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderId' });
    expect(execute).not.toHaveBeenCalled();
  });

  it('cancels your order named by its clientOrderId', async () => {
    recorded(false);
    await seedOrder({ cancelled: '2', cancelReason: 'CANCELLED' });
    expect(
      await gql('mutation { cancelOrder(clientOrderId: "my-first-bid") { id status } }', BUYER_KEY),
    ).toEqual({ data: { cancelOrder: { id: ORDER_ID, status: 'CANCELLED' } } });
    expect(execute.mock.calls[0][1]).toMatchObject({ data: { orderId: ORDER_ID, accountId: 'acc-1' } });
  });

  it('refuses to cancel a filled or cancelled order ORDER_NOT_OPEN, not NOT_FOUND: it exists', async () => {
    // The market refuses an order not in its book NOT_FOUND "is not open".
    execute.mockRejectedValue(apiError('NOT_FOUND', `order ${ORDER_ID} is not open`, 'orderId'));
    for (const [fields, status, word] of [
      [{ filled: '2' }, 'FILLED', 'filled'],
      [{ cancelled: '2', cancelReason: 'CANCELLED' }, 'CANCELLED', 'cancelled'],
    ] as const) {
      await seedOrder(fields);
      const answer = await gql(`mutation { cancelOrder(orderId: "${ORDER_ID}") { id } }`, BUYER_KEY);
      expect(answer.errors).toEqual([
        expect.objectContaining({
          message: `order ${ORDER_ID} is ${word}: nothing is left to cancel`,
          extensions: { code: 'ORDER_NOT_OPEN', field: 'orderId', status },
        }),
      ]);
    }
    // Named by its clientOrderId, the field at fault is that one.
    const byClientId = await gql('mutation { cancelOrder(clientOrderId: "my-first-bid") { id } }', BUYER_KEY);
    expect(byClientId.errors?.[0]?.extensions).toEqual({
      code: 'ORDER_NOT_OPEN',
      field: 'clientOrderId',
      status: 'CANCELLED',
    });
  });

  it('answers a recorded cancel with the order once the model has refolded after a flush', async () => {
    recorded(true, async () => {
      await folded();
      await seedOrder({ cancelled: '2', cancelReason: 'CANCELLED' });
      const field = checkpointField(TOPIC, 0);
      await seed.hset(projectionKeys(ordersReadModel.name).checkpoint, field, String(OFFSET));
      await seed.publish(projectionKeys(ordersReadModel.name).applied, `${field} ${OFFSET}`);
    });
    expect(await gql(`mutation { cancelOrder(orderId: "${ORDER_ID}") { id status } }`, BUYER_KEY)).toEqual({
      data: { cancelOrder: { id: ORDER_ID, status: 'CANCELLED' } },
    });
  });

  it('answers a recorded cancel UNAVAILABLE, naming it and the key to retry with, when the model is not back in time', async () => {
    recorded(true);
    const answer = await gql(
      `mutation { cancelOrder(orderId: "${ORDER_ID}", idempotencyKey: "cancel-1") { id status } }`,
      BUYER_KEY,
    );
    expect(answer.data).toEqual({ cancelOrder: null });
    expect(answer.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          new RegExp(
            `^order ${ORDER_ID} was cancelled \\(recorded in Kafka\\), but .* idempotencyKey cancel-1$`,
          ),
        ),
        extensions: {
          code: 'UNAVAILABLE',
          retryAfterMs: 1_000,
          orderId: ORDER_ID,
          idempotencyKey: 'cancel-1',
        },
      }),
    ]);
  }, 20_000);
});
