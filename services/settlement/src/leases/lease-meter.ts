import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SettlementCommands, settlementReadModel as rm } from '@gpux/contracts';
import { EventSourcingHost } from '@gpux/eventsourcing';
import { PeriodicTask, RedisClient, SERVICE_CONFIG } from '@gpux/platform';
import { accruedCharge } from '../domain/leases/billing';

/**
 * Charges running leases as time passes: every interval, each lease with something due gets a
 * MeterLease command (the decider computes the charge from its own state and clock; this only
 * decides when to ask). The idempotency key names the lease, what it had been charged and the
 * interval, so two meters (two instances, or a retry) ask once per lease and interval.
 */
@Injectable()
export class LeaseMeter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(
    private readonly host: EventSourcingHost,
    private readonly redis: RedisClient,
    @Inject(SERVICE_CONFIG)
    private readonly config: { LEASE_METER_INTERVAL_MS: number; LEASE_CHARGE_DELAY_MS: number },
  ) {
    this.task = new PeriodicTask('lease-meter', config.LEASE_METER_INTERVAL_MS, () => this.tick());
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** One pass over the running leases. */
  async tick(clock = Date.now()): Promise<number> {
    const redis = this.redis.redis;
    // In arrears: a node's loss is noticed within the delay, so no undelivered time is ever paid.
    const now = clock - this.config.LEASE_CHARGE_DELAY_MS;
    const ids = await redis.zrange(rm.activeLeases, 0, -1);
    const interval = Math.floor(now / this.config.LEASE_METER_INTERVAL_MS);
    let sent = 0;
    for (const leaseId of ids) {
      const l = await redis.hgetall(rm.lease(leaseId));
      if (!l['buyerId'] || l['status'] !== 'ACTIVE') continue;
      const terms = {
        value: Number(l['value']),
        fee: Number(l['fee']),
        start: Date.parse(l['start']!),
        end: Date.parse(l['end']!),
      };
      const due = accruedCharge(terms, now);
      if (due.value === Number(l['chargedValue']) && due.fee === Number(l['chargedFee']) && now < terms.end)
        continue;
      await this.host.sender.dispatch({
        type: SettlementCommands.meterLease.type,
        subject: l['buyerId'],
        data: { accountId: l['buyerId'], leaseId, upTo: new Date(now).toISOString() },
        idempotencyKey: `meter-${leaseId}-${l['chargedValue']}-${l['chargedFee']}-${interval}`,
      });
      sent++;
    }
    return sent;
  }
}
