// A lease through the real gateway on a Redis of its own, as settlement folds it (its lease hash
// and each side's set of leases): what has been charged, and of it what the provider has earned.
// Before, a lease showed charged only, value and fee together, so a provider who wanted what one
// lease had earned it summed its ledger's EARNINGS lines of that lease, page by page. A lease
// ended early (CREDITED) says why (endedReason): before, a buyer saw CREDITED and a refund, and had
// to guess from its node's suspendedReason, which changes as the node recertifies. A lease says
// how many hours it runs (before, a client worked it out from end − start) and, to its buyer, the
// bid it came from (before, the buyer matched it to myFills' leaseId to find its order). And up to
// when it is charged (chargedUntil): before, a buyer could not tell, the amounts being rounded down,
// nor when a credited lease's delivery stopped (its credit's time is when it was recorded).
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
      '{ myLeases { edges { node { id orderId gpus hours value fee charged earned refunded status endedReason chargedUntil } } } }',
      {
        key,
      },
    );

  beforeAll(async () => {
    redis = await DedicatedRedis.start();
    await seedApiKey(redis, BUYER_KEY, 'buyer-1', 'buyer');
    await seedApiKey(redis, PROVIDER_KEY, 'provider-1', 'provider');
    const seed = new Redis(redis.url);
    // 2 GPUs × 2 hours × 1.00, a fee of 1 %; charged so far 0.0887 of value and 0.000887 of fee,
    // what it accrued by 159.66 s in.
    const start = Date.parse('2025-01-01T00:00:00.000Z');
    await seed
      .multi()
      .hset(sm.lease('m1-t1'), {
        buyerId: 'buyer-1',
        bidId: 'm1-o7',
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
        chargedUntilMs: String(start + 159_660),
        refunded: '0',
        status: 'ACTIVE',
      })
      .zadd(sm.accountLeases('buyer-1'), start, 'm1-t1')
      .zadd(sm.accountLeases('provider-1'), start, 'm1-t1')
      // 1 GPU × 1 hour × 1.00 + 0.01 fee, its node's credential revoked a quarter in: charged
      // 0.2525, the rest, 0.7575, given back. Folded before leases kept their bid, or up to when
      // they are charged: neither is known.
      .hset(sm.lease('m1-t0'), {
        buyerId: 'buyer-1',
        providerId: 'provider-1',
        marketId: 'm1',
        nodeId: 'n1',
        gpus: '1',
        price: '1000000',
        value: '1000000',
        fee: '10000',
        start: '2024-12-31T23:00:00.000Z',
        end: '2025-01-01T00:00:00.000Z',
        chargedValue: '250000',
        chargedFee: '2500',
        refunded: '757500',
        status: 'CREDITED',
        endedBy: 'CREDENTIAL_REVOKED',
        endedAt: '2024-12-31T23:15:00.000Z',
      })
      .zadd(sm.accountLeases('buyer-1'), start - 3_600_000, 'm1-t0')
      .zadd(sm.accountLeases('provider-1'), start - 3_600_000, 'm1-t0')
      // 1 GPU × 1 hour × 1.00 + 0.01 fee, its node lost 12 minutes in (its last heartbeat), the
      // credit recorded 35 s later: charged 0.202 up to when delivery stopped, 0.808 given back.
      .hset(sm.lease('m1-t2'), {
        buyerId: 'buyer-1',
        bidId: 'm1-o5',
        providerId: 'provider-1',
        marketId: 'm1',
        nodeId: 'n1',
        gpus: '1',
        price: '1000000',
        value: '1000000',
        fee: '10000',
        start: '2024-12-31T23:30:00.000Z',
        end: '2025-01-01T00:30:00.000Z',
        chargedValue: '200000',
        chargedFee: '2000',
        chargedUntilMs: String(Date.parse('2024-12-31T23:42:00.000Z')),
        refunded: '808000',
        status: 'CREDITED',
        endedBy: 'NODE_LOST',
        endedAt: '2024-12-31T23:42:35.000Z',
      })
      .zadd(sm.accountLeases('buyer-1'), start - 1_800_000, 'm1-t2')
      .zadd(sm.accountLeases('provider-1'), start - 1_800_000, 'm1-t2')
      .exec();
    await seed.quit();
    gateway = await startGateway(redis, ADMIN_KEY);
  });

  afterAll(async () => {
    await gateway?.app.close();
    await redis?.stop();
  });

  it('answers earned, the value charged so far, beside charged, its hours, why a credited lease ended and up to when it is charged, and to the buyer the bid it came from', async () => {
    const lease = {
      id: 'm1-t1',
      orderId: null as string | null,
      gpus: 2,
      hours: 2,
      value: '4.000000',
      fee: '0.040000',
      charged: '0.089587',
      earned: '0.088700',
      refunded: '0.000000',
      status: 'ACTIVE',
      endedReason: null,
      chargedUntil: '2025-01-01T00:02:39.660Z',
    };
    const lost = {
      id: 'm1-t2',
      orderId: null as string | null,
      gpus: 1,
      hours: 1,
      value: '1.000000',
      fee: '0.010000',
      charged: '0.202000',
      earned: '0.200000',
      refunded: '0.808000',
      status: 'CREDITED',
      endedReason: 'NODE_LOST',
      // When delivery stopped, not when the credit was recorded.
      chargedUntil: '2024-12-31T23:42:00.000Z',
    };
    const credited = {
      id: 'm1-t0',
      orderId: null,
      gpus: 1,
      hours: 1,
      value: '1.000000',
      fee: '0.010000',
      charged: '0.252500',
      earned: '0.250000',
      refunded: '0.757500',
      status: 'CREDITED',
      endedReason: 'CREDENTIAL_REVOKED',
      // Charged before the exchange recorded up to when: not worked out from the amounts.
      chargedUntil: null,
    };
    const answer = (bought: typeof lease, boughtLost: typeof lost) => ({
      data: { myLeases: { edges: [{ node: bought }, { node: boughtLost }, { node: credited }] } },
    });
    // The provider is not shown the buyer's bid (the ask is not kept with the lease).
    expect(await leases(PROVIDER_KEY)).toEqual(answer(lease, lost));
    expect(await leases(BUYER_KEY)).toEqual(
      answer({ ...lease, orderId: 'm1-o7' }, { ...lost, orderId: 'm1-o5' }),
    );
  });

  // The read path (the meter's own charges are the e2e late-breach spec's): the last test here, as
  // it rewrites the lease the one before reads.
  it('serves chargedUntil as settlement keeps it: a running lease advanced by a charge, none once a charge said no time', async () => {
    const running = async () => {
      const answer = await leases(BUYER_KEY);
      const edges = (answer.data?.['myLeases'] as { edges: { node: Record<string, unknown> }[] }).edges;
      return edges.find(({ node }) => node['id'] === 'm1-t1')?.node;
    };
    expect(await running()).toMatchObject({ charged: '0.089587', chargedUntil: '2025-01-01T00:02:39.660Z' });
    // The meter's next charge, 10 s later, as settlement folds it: what accrued by 169.66 s in.
    const seed = new Redis(redis.url);
    await seed.hset(sm.lease('m1-t1'), {
      chargedValue: '94255',
      chargedFee: '942',
      chargedUntilMs: String(Date.parse('2025-01-01T00:02:49.660Z')),
    });
    expect(await running()).toMatchObject({
      status: 'ACTIVE',
      charged: '0.095197',
      earned: '0.094255',
      chargedUntil: '2025-01-01T00:02:49.660Z',
    });
    // An older settlement's charge, during a rolling upgrade: its totals are at a time none says.
    await seed.hset(sm.lease('m1-t1'), {
      chargedValue: '99865',
      chargedFee: '998',
      chargedUntilUnknown: '1',
    });
    await seed.quit();
    expect(await running()).toMatchObject({ charged: '0.100863', chargedUntil: null });
  });
});
