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
  const sent: { type: string; data: { leaseId: string } }[] = [];
  const host = {
    sender: {
      dispatch: async (command: { type: string; data: { leaseId: string } }) => void sent.push(command),
    },
  } as unknown as EventSourcingHost;
  const config = { LEASE_METER_INTERVAL_MS: 300, LEASE_CHARGE_DELAY_MS: 0 };

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
    await redis.hset(rm.lease('m-t1'), {
      buyerId: 'b1',
      status: 'ACTIVE',
      nodeId: 'n1',
      value: '3600000000',
      fee: '90000000',
      start: new Date(start).toISOString(),
      end: new Date(start + 3_600_000).toISOString(),
      chargedValue: '0',
      chargedFee: '0',
    });
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
});
