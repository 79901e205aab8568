// Your orders' subscription (myOrderUpdated) through the real gateway over graphql-ws, on a Redis of
// its own: the first messages are your live orders as they stand once the subscription is live,
// then every change, each order only forward by its version (before, it sent changes only, and a
// client that read its orders itself could miss a change made between its read and the
// subscription's start, which it cannot see). The orders and their notices are written as the
// orders projection writes them: in one atomic step (MULTI), the version one up with each change.
import { ordersReadModel as rm } from '@gpux/contracts';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import Redis from 'ioredis';
import { seedApiKey, seedMarket, startGateway } from '../gateway.fixture';
import { FIRST_VIEW_MAX_ORDERS } from './first-view';
import {
  expectEndedUnavailable,
  expectRaceSettled,
  SubscriptionClients,
  Watcher,
  watchSubscription,
  whileRebuilding,
} from '../subscriptions.fixture';

const ADMIN_KEY = 'orders-first-view-int-spec-admin-key-0123';
const BUYER_KEY = 'orders-first-view-int-spec-buyer-key-0123';
const OTHER_KEY = 'orders-first-view-int-spec-other-key-0123';
const MAKER_KEY = 'orders-first-view-int-spec-maker-key-0123';
const ORDERS = 'subscription { myOrderUpdated { id accountId status filledGpus version } }';

interface OrderMessage {
  id: string;
  accountId: string;
  status: string;
  filledGpus: number;
  version: number;
}

describe('myOrderUpdated sends your live orders as they stand first, then every change', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;
  let seed: Redis;
  const clients = new SubscriptionClients(() => gateway.url);

  const watch = (key = BUYER_KEY) => {
    return watchSubscription<OrderMessage>(clients.open(`Bearer ${key}`), ORDERS, {});
  };

  /**
   * Order `orderId` of `accountId` (2 GPUs unless `gpus`) with `filled` GPUs filled at `version`,
   * its account's live orders and its notice, in one atomic step as orders writes them.
   */
  const write = async (
    orderId: string,
    { accountId = 'acc-1', filled = 0, version = 1, gpus = 2, placed = 1 } = {},
  ) => {
    const tx = seed.multi();
    tx.hset(rm.order(orderId), {
      marketId: 'm1',
      side: 'bid',
      accountId,
      price: '2500000',
      gpus: String(gpus),
      hours: '1',
      timeInForce: 'GTC',
      accepted: '1',
      filled: String(filled),
      cancelled: '0',
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
      version: String(version),
    });
    if (filled < gpus) tx.zadd(rm.accountLiveOrders(accountId), placed, orderId);
    else tx.zrem(rm.accountLiveOrders(accountId), orderId);
    tx.publish(rm.accountOrdersChannel(accountId), JSON.stringify({ orderId, type: 'changed' }));
    await tx.exec();
  };

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await seedMarket(redis);
    await seedApiKey(redis, BUYER_KEY, 'acc-1', 'buyer');
    await seedApiKey(redis, OTHER_KEY, 'acc-2', 'buyer');
    seed = new Redis(redis.url);
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  afterAll(async () => {
    await clients.disposeAll();
    seed?.disconnect();
    await gateway?.app.close();
    await redis?.stop();
  });

  it("sends the caller's live orders as they stand, none of another account's nor a finished one, then each change", async () => {
    await write('ord-a', { version: 2, filled: 1 });
    await write('ord-b', { version: 1 });
    await write('ord-done', { version: 3, filled: 2 });
    await write('ord-other', { accountId: 'acc-2' });
    const mine = watch();
    // Before, nothing came: no order changed after it subscribed.
    await mine.until(2);
    expect(mine.messages).toEqual([
      { id: 'ord-a', accountId: 'acc-1', status: 'PARTIALLY_FILLED', filledGpus: 1, version: 2 },
      { id: 'ord-b', accountId: 'acc-1', status: 'OPEN', filledGpus: 0, version: 1 },
    ]);
    await write('ord-a', { version: 3, filled: 2 });
    await mine.until(3);
    expect(mine.messages[2]).toEqual({
      id: 'ord-a',
      accountId: 'acc-1',
      status: 'FILLED',
      filledGpus: 2,
      version: 3,
    });
    // acc-2's own watcher: its order alone.
    const other = watch(OTHER_KEY);
    await other.until(1);
    expect(other.messages.map((o) => o.id)).toEqual(['ord-other']);
    expect([...mine.errors, ...other.errors]).toEqual([]);
    mine.stop();
    other.stop();
  });

  it('sends at most FIRST_VIEW_MAX_ORDERS live orders first: the newest, oldest first among them, then each change', async () => {
    // An account with more live orders than that (asks, and bids across markets, have no cap).
    await seedApiKey(redis, MAKER_KEY, 'acc-3', 'buyer');
    const total = FIRST_VIEW_MAX_ORDERS + 5;
    const id = (n: number) => `ord-m${String(n).padStart(5, '0')}`;
    for (let n = 1; n <= total; n++) await write(id(n), { accountId: 'acc-3', placed: n });
    const maker = watch(MAKER_KEY);
    // A change after the first view: its message comes after every message of the first view.
    await maker.until(1);
    await write(id(1), { accountId: 'acc-3', placed: 1, version: 2, filled: 1 });
    await maker.until(FIRST_VIEW_MAX_ORDERS + 1);
    const newest = Array.from({ length: FIRST_VIEW_MAX_ORDERS }, (_, i) =>
      id(total - FIRST_VIEW_MAX_ORDERS + 1 + i),
    );
    // Before, all of them came first: the oldest five too.
    expect(maker.messages.map((o) => o.id)).toEqual([...newest, id(1)]);
    expect(maker.messages.at(-1)).toMatchObject({ status: 'PARTIALLY_FILLED', version: 2 });
    expect(maker.errors).toEqual([]);
    maker.stop();
  });

  it('loses no change that races a subscription, and never sends an older state of an order after a newer one', async () => {
    // The order's version counts the changes: each watcher's versions must count up, each at most
    // once, and end at the last. Watchers start while it changes, one per change, and a few after
    // the last: none of them is told when its subscription is live.
    const steps = 30;
    await write('ord-b', { version: 2, filled: 2 }); // the race's order is acc-1's only live one
    const watchers: Watcher<OrderMessage>[] = [];
    for (let v = 1; v <= steps; v++) {
      watchers.push(watch());
      await write('ord-race', { version: v, filled: v - 1, gpus: 100 });
    }
    for (let i = 0; i < 5; i++) watchers.push(watch());
    // Before, the watchers that subscribed as the order stopped changing were sent nothing of it.
    await expectRaceSettled(watchers, (o) => o.version, steps);
  });

  it("ends with UNAVAILABLE when its live orders cannot be read, and is refused while orders' model is rebuilt", async () => {
    // Before, a first view that failed was skipped: the client waited for the next change with nothing.
    await seed.del(rm.accountLiveOrders('acc-2'));
    await seed.set(rm.accountLiveOrders('acc-2'), 'not a sorted set');
    await expectEndedUnavailable(watch(OTHER_KEY));
    await seed.del(rm.accountLiveOrders('acc-2'));

    await whileRebuilding(seed, rm.name, () => expectEndedUnavailable(watch()));
  });
});
