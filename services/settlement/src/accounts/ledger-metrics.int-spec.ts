import { settlementReadModel as rm } from '@gpux/contracts';
import { projectionKeys } from '@gpux/eventsourcing';
import { RedisClient, ServiceMetrics } from '@gpux/platform';
import { DedicatedRedis } from '@gpux/testing';
import { LedgerMetrics } from './ledger-metrics';

// The ledger's gauge against a real redis-server of its own (the totals hash has a fixed key): it
// reports the read model's totals, and keeps its last values while the model is refolded from
// Kafka, when the totals are partial (and a credit may be folded before its charge).
describe('the ledger totals gauge (real Redis)', () => {
  let server: DedicatedRedis;
  let client: RedisClient;
  const metrics = new ServiceMetrics('settlement');
  const keys = projectionKeys(rm.name);

  beforeAll(async () => {
    server = await DedicatedRedis.start();
    client = new RedisClient(server.url);
    new LedgerMetrics(metrics, client);
  });

  afterAll(async () => {
    client.redis.disconnect();
    await server.stop();
  });

  const scraped = async () => {
    const lines = (await metrics.text())
      .split('\n')
      .filter((l) => l.startsWith('gpux_ledger_total_minor_units'));
    return Object.fromEntries(lines.map((l) => [/total="(\w+)"/.exec(l)![1], Number(l.split(' ').pop())]));
  };

  it('reports the totals of a whole model, and the last ones while it is refolded', async () => {
    await client.redis.set(keys.epoch, 'e1');
    await client.redis.hset(rm.totals, { deposits: 1_000, withdrawals: 100, clearing: 25 });
    expect(await scraped()).toEqual({ deposits: 1_000, withdrawals: 100, clearing: 25 });

    // Flushed and being refolded: a credit folded before its charge puts clearing below zero.
    await client.redis.flushall();
    await client.redis.set(keys.epoch, 'e2');
    await client.redis.set(
      keys.rebuilding,
      JSON.stringify({ epoch: 'e2', ends: { 'settlement.events:0': 9 } }),
    );
    await client.redis.hset(rm.totals, { deposits: 400, withdrawals: 0, clearing: -30 });
    expect(await scraped()).toEqual({ deposits: 1_000, withdrawals: 100, clearing: 25 });
    // Flushed, not noticed yet (no epoch): the same.
    await client.redis.del(keys.epoch, keys.rebuilding);
    expect(await scraped()).toEqual({ deposits: 1_000, withdrawals: 100, clearing: 25 });

    // Whole again.
    await client.redis.set(keys.epoch, 'e2');
    await client.redis.hset(rm.totals, { deposits: 1_000, withdrawals: 100, clearing: 25 });
    expect(await scraped()).toEqual({ deposits: 1_000, withdrawals: 100, clearing: 25 });
    await client.redis.hset(rm.totals, { clearing: 0 });
    expect(await scraped()).toEqual({ deposits: 1_000, withdrawals: 100, clearing: 0 });
  });
});
