import { capacityReadModel, settlementReadModel as rm } from '@gpux/contracts';
import type { EventSourcingHost } from '@gpux/eventsourcing';
import { projectionKeys } from '@gpux/eventsourcing';
import { RedisClient } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import { LeaseMeter } from './lease-meter';

// The lease meter against a Redis of the test's own (a real redis-server): it meters nothing while
// settlement's or capacity's read model is refolded after a flush, and meters again once both are
// whole. What it sends is recorded, not sent: the meter's commands are its only output.
describe('the lease meter while read models refold', () => {
  let dedicated: DedicatedRedis;
  let client: RedisClient;
  type Sent = { type: string; data: { leaseId: string }; idempotencyKey?: string };
  const sent: Sent[] = [];
  const host = {
    sender: { dispatch: async (command: Sent) => void sent.push(command) },
  } as unknown as EventSourcingHost;
  const config = { LEASE_METER_INTERVAL_MS: 300, LEASE_CHARGE_DELAY_MS: 0, LEASE_BREACH_GRACE_MS: 600_000 };

  /** Lease `leaseId` of `buyerId` on `nodeId`, an hour long from `start`, running and charged nothing yet, as settlement's model holds it. */
  const runningLease = async (leaseId: string, buyerId: string, nodeId: string, start: number) => {
    await client.redis.hset(rm.lease(leaseId), {
      buyerId,
      status: 'ACTIVE',
      nodeId,
      value: '3600000000',
      fee: '90000000',
      start: new Date(start).toISOString(),
      end: new Date(start + 3_600_000).toISOString(),
      chargedValue: '0',
      chargedFee: '0',
    });
  };

  beforeAll(async () => {
    dedicated = await DedicatedRedis.start();
    client = new RedisClient(dedicated.url);
  });
  afterAll(async () => {
    await client.onApplicationShutdown();
    await dedicated?.stop();
  });

  it('meters a running lease only while both models are whole', async () => {
    const redis = client.redis;
    const start = Date.now() - 60_000;
    // A lease an hour long, a minute in, charged nothing yet, on a node no worker watches.
    await runningLease('m-t1', 'b1', 'n1', start);
    await redis.zadd(rm.activeLeases, start, 'm-t1');
    const meter = new LeaseMeter(host, client, config);
    const settlement = projectionKeys(rm.name);
    const capacity = projectionKeys(capacityReadModel.name);

    // Flushed: settlement's model has no epoch until its runner resets it.
    expect(await meter.tick()).toBe(0);
    await redis.set(settlement.epoch, 'e1');
    // Refolding: the marker stays until the refold reaches the log's end.
    await redis.set(settlement.rebuilding, 'r1');
    expect(await meter.tick()).toBe(0);
    await redis.del(settlement.rebuilding);
    await redis.set(capacity.rebuilding, 'r2');
    expect(await meter.tick()).toBe(0);
    expect(sent).toEqual([]);

    await redis.del(capacity.rebuilding);
    expect(await meter.tick()).toBe(1);
    expect(sent).toEqual([
      expect.objectContaining({
        type: 'settlement.MeterLease',
        data: expect.objectContaining({ leaseId: 'm-t1' }),
      }),
    ]);
  });

  it("ends a lease its node's breach stopped once the breach is the grace old, as orders' end would", async () => {
    const redis = client.redis;
    sent.length = 0;
    // capacity recorded node n-lost lost a minute into two leases: one began 20 minutes ago, the
    // other 5 (the node was lost before the market heard of it). Orders has ended neither.
    const now = Date.now();
    const lostAt = new Date(now - 19 * 60_000).toISOString();
    await redis.hset(capacityReadModel.node('n-lost'), {
      status: 'SUSPENDED',
      suspendedReason: 'NODE_LOST',
      suspendedAt: lostAt,
      lostAt: new Date(now - 18 * 60_000).toISOString(),
      lastBeatAt: lostAt,
    });
    for (const [leaseId, ago] of [
      ['m-old', 20],
      ['m-new', 5],
    ] as const) {
      const start = now - ago * 60_000;
      await runningLease(leaseId, 'b2', 'n-lost', start);
      await redis.zadd(rm.activeLeases, start + 3_600_000, leaseId);
    }
    const meter = new LeaseMeter(host, client, config);
    await meter.tick(now);
    const of = (leaseId: string) => sent.filter((c) => c.data.leaseId === leaseId);
    // Ten minutes after the loss: ended at it, for its reason, under one key however often asked.
    expect(of('m-old')).toEqual([
      {
        type: 'settlement.EndLeaseEarly',
        subject: 'b2',
        data: { accountId: 'b2', leaseId: 'm-old', reason: 'NODE_LOST', at: lostAt },
        idempotencyKey: 'breach-end-m-old',
      },
    ]);
    // Counted from its start: 5 minutes in, not yet; and nothing of it is charged (all after the loss).
    expect(of('m-new')).toEqual([]);
    await meter.tick(now + 5 * 60_000);
    expect(of('m-new')).toEqual([
      expect.objectContaining({
        type: 'settlement.EndLeaseEarly',
        data: { accountId: 'b2', leaseId: 'm-new', reason: 'NODE_LOST', at: lostAt },
      }),
    ]);
  });
});
