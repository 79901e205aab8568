import { Injectable } from '@nestjs/common';
import { settlementReadModel as rm } from '@gpux/contracts';
import { readModelRebuilding } from '@gpux/eventsourcing';
import { readForScrape, RedisClient, ServiceMetrics } from '@gpux/platform';

/** The books outside any account, as the accounts projection totals them (docs/ledger.md). */
const TOTALS = ['deposits', 'withdrawals', 'clearing'] as const;

/**
 * Ledger totals on /metrics: money that came in (deposits), went out (withdrawals) and sits in
 * clearing, in minor units, read from the read model's totals hash when Prometheus scrapes (one
 * HGETALL, bounded by a timeout: during an outage the last values stay). Not while the model is
 * refolded from Kafka (Redis flushed): its totals are partial then, and a refold does not order a
 * credit after its charge (APPLY_LUA), so clearing could read below zero; the last values stay
 * until the model is whole.
 */
@Injectable()
export class LedgerMetrics {
  constructor(metrics: ServiceMetrics, redis: RedisClient) {
    metrics.gauge<'total'>({
      name: 'gpux_ledger_total_minor_units',
      help: 'Ledger totals outside any account, in minor units: deposits, withdrawals, clearing',
      labelNames: ['total'],
      async collect() {
        const totals = await readForScrape(async () =>
          (await readModelRebuilding(redis.redis, rm.name)) ? null : redis.redis.hgetall(rm.totals),
        );
        if (!totals) return;
        for (const total of TOTALS) this.set({ total }, Number(totals[total] ?? 0));
      },
    });
  }
}
