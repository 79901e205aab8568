// A lease through the real gateway on a Redis of its own, as settlement folds it (its lease hash
// and each side's set of leases): what has been charged, and of it what the provider has earned.
// Before, a lease showed charged only, value and fee together, so a provider who wanted what one
// lease had earned it summed its ledger's EARNINGS lines of that lease, page by page.
import { settlementReadModel as sm } from '@gpux/contracts';
import type { ServiceApp } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import Redis from 'ioredis';
import { postGraphql, seedApiKey, startGateway } from '../gateway.fixture';

const ADMIN_KEY = 'leases-int-spec-admin-key-0123456789';
const BUYER_KEY = 'leases-int-spec-buyer-key-0123456789';
const PROVIDER_KEY = 'leases-int-spec-provider-key-0123456789';

describe('a lease shows what it has charged and what its provider has earned of it', () => {
  let redis: DedicatedRedis;
  let gateway: ServiceApp;

  const leases = (key: string) =>
    postGraphql(
      gateway.url,
      '{ myLeases { edges { node { id value fee charged earned refunded status } } } }',
      {
        key,
      },
    );

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await seedApiKey(redis, BUYER_KEY, 'buyer-1', 'buyer');
    await seedApiKey(redis, PROVIDER_KEY, 'provider-1', 'provider');
    const seed = new Redis(redis.url);
    // 2 GPUs × 2 hours × 1.00, a fee of 1 %; charged so far 0.0887 of value and 0.000887 of fee.
    const start = Date.parse('2025-01-01T00:00:00.000Z');
    await seed
      .multi()
      .hset(sm.lease('m1-t1'), {
        buyerId: 'buyer-1',
        providerId: 'provider-1',
        marketId: 'm1',
        nodeId: 'n1',
        gpus: '2',
        price: '1000000',
        value: '4000000',
        fee: '40000',
        start: '2025-01-01T00:00:00.000Z',
        end: '2025-01-01T02:00:00.000Z',
        chargedValue: '88700',
        chargedFee: '887',
        refunded: '0',
        status: 'ACTIVE',
      })
      .zadd(sm.accountLeases('buyer-1'), start, 'm1-t1')
      .zadd(sm.accountLeases('provider-1'), start, 'm1-t1')
      .exec();
    await seed.quit();
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  afterAll(async () => {
    await gateway?.app.close();
    await redis?.stop();
  });

  it('answers earned, the value charged so far, beside charged, to the buyer and the provider alike', async () => {
    const lease = {
      id: 'm1-t1',
      value: '4.000000',
      fee: '0.040000',
      charged: '0.089587',
      earned: '0.088700',
      refunded: '0.000000',
      status: 'ACTIVE',
    };
    const answer = { data: { myLeases: { edges: [{ node: lease }] } } };
    expect(await leases(PROVIDER_KEY)).toEqual(answer);
    expect(await leases(BUYER_KEY)).toEqual(answer);
  });
});
