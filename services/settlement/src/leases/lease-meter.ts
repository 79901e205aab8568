import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  capacityReadModel,
  nodeHeartbeatKey,
  SettlementCommands,
  settlementReadModel as rm,
} from '@gpux/contracts';
import { EventSourcingHost, projectionKeys, readModelRebuilding } from '@gpux/eventsourcing';
import { PeriodicTask, RedisClient, SERVICE_CONFIG } from '@gpux/platform';
import { accruedCharge } from '../domain/leases/billing';
import { deliveredUntil, NodeLiveness } from '../domain/leases/delivered-until';
import { unansweredBreach } from '../domain/leases/unanswered-breach';

/**
 * Charges running leases as time passes: every interval, each lease with something due gets a
 * MeterLease command (the decider computes the charge from its own state and clock; this only
 * decides when to ask, and up to when). The idempotency key names the lease, what it had been
 * charged and the interval, so two meters (two instances, or a retry) ask once per lease and
 * interval. A lease on a node whose worker capacity watches is charged no further than its last
 * heartbeat, nor any lease past the breach that ended it (the first of its node's breaches at or
 * after its start: domain/leases/lease-breach.ts, delivered-until.ts): heartbeats are not events,
 * so the meter reads them where capacity's watchdog does, with the node's session, and its
 * breaches, from capacity's read model. A lease whose
 * node's breach no early end has answered `LEASE_BREACH_GRACE_MS` after it (orders pruned the
 * lease, or never heard of the breach) the meter ends itself, as orders' end would have
 * (domain/leases/unanswered-breach.ts): else it stayed running, the rest of its escrow held forever.
 */
@Injectable()
export class LeaseMeter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(
    private readonly host: EventSourcingHost,
    private readonly redis: RedisClient,
    @Inject(SERVICE_CONFIG)
    private readonly config: {
      LEASE_METER_INTERVAL_MS: number;
      LEASE_CHARGE_DELAY_MS: number;
      LEASE_BREACH_GRACE_MS: number;
    },
  ) {
    this.task = new PeriodicTask('lease-meter', config.LEASE_METER_INTERVAL_MS, () => this.tick());
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /**
   * One pass over the running leases. None while settlement's read model is refolded (Redis
   * flushed) or capacity's is: what they show then is partial. A lease that ended long ago showed
   * running, and its MeterLease was refused and recorded, hundreds at each flush; and a watched
   * node without its session yet was charged as unwatched, past its last heartbeat. The first
   * tick once both are whole charges what came due meanwhile.
   */
  async tick(clock = Date.now()): Promise<number> {
    const redis = this.redis.redis;
    const [settlementPartial, capacityRefolding] = await Promise.all([
      readModelRebuilding(redis, rm.name),
      redis.exists(projectionKeys(capacityReadModel.name).rebuilding),
    ]);
    if (settlementPartial || capacityRefolding) return 0;
    // In arrears: a node's loss is noticed within the delay, so no undelivered time is ever paid.
    const now = clock - this.config.LEASE_CHARGE_DELAY_MS;
    const ids = await redis.zrange(rm.activeLeases, 0, -1);
    const interval = Math.floor(now / this.config.LEASE_METER_INTERVAL_MS);
    // Each node's liveness, read once a tick however many of its leases run.
    const nodes = new Map<string, Promise<NodeLiveness>>();
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
      const nodeId = l['nodeId'] ?? '';
      if (!nodes.has(nodeId)) nodes.set(nodeId, this.liveness(nodeId));
      const node = await this.withBreachOf(await nodes.get(nodeId)!, nodeId, terms.start);
      // A breach orders has not ended the lease for, long after it: ended here, as orders' end
      // would have, once (the account refuses a second end, whichever comes first). By the clock,
      // not in arrears: the breach's `at` is when delivery stopped, whenever it was recorded.
      const breach = unansweredBreach(clock, terms, node, this.config.LEASE_BREACH_GRACE_MS);
      if (breach) {
        await this.host.sender.dispatch({
          type: SettlementCommands.endLeaseEarly.type,
          subject: l['buyerId'],
          data: { accountId: l['buyerId'], leaseId, reason: breach.reason, at: breach.at },
          idempotencyKey: `breach-end-${leaseId}`,
        });
        sent++;
        continue;
      }
      const upTo = deliveredUntil(now, terms.start, node);
      if (upTo === null) continue;
      const due = accruedCharge(terms, upTo);
      if (due.value === Number(l['chargedValue']) && due.fee === Number(l['chargedFee']) && upTo < terms.end)
        continue;
      await this.host.sender.dispatch({
        type: SettlementCommands.meterLease.type,
        subject: l['buyerId'],
        data: { accountId: l['buyerId'], leaseId, upTo: new Date(upTo).toISOString() },
        idempotencyKey: `meter-${leaseId}-${l['chargedValue']}-${l['chargedFee']}-${interval}`,
      });
      sent++;
    }
    return sent;
  }

  /** A node's session (or when its last one ended), last heartbeat and last breach, in one round trip. */
  private async liveness(nodeId: string): Promise<NodeLiveness> {
    if (!nodeId) return { beat: null };
    const [[sessionId, lostAt, leftAt, lastBeatAt, status, suspendedAt, suspendedReason], beat] =
      await Promise.all([
        this.redis.redis.hmget(
          capacityReadModel.node(nodeId),
          'sessionId',
          'lostAt',
          'leftAt',
          'lastBeatAt',
          'status',
          'suspendedAt',
          'suspendedReason',
        ),
        this.redis.redis.get(nodeHeartbeatKey(nodeId)),
      ]);
    return { sessionId, lostAt, leftAt, lastBeatAt, status, suspendedAt, suspendedReason, beat };
  }

  /**
   * The node's liveness for a lease that started at `leaseStart`, with the first of the node's
   * breaches at or after it (lease-breach.ts), read only where the node has one (most never do):
   * one small read, however long the node's history. A breach recorded between the two reads is a
   * later one: the first at or after the start is the same, or is that one.
   */
  private async withBreachOf(node: NodeLiveness, nodeId: string, leaseStart: number): Promise<NodeLiveness> {
    if (!node.suspendedAt || Number.isNaN(leaseStart)) return node;
    const first = await this.redis.redis.zrangebyscore(
      capacityReadModel.nodeBreaches(nodeId),
      leaseStart,
      '+inf',
      'LIMIT',
      0,
      1,
    );
    return { ...node, breaches: first.flatMap(breachOf) };
  }
}

/** A member of capacity's nodeBreaches (JSON { at, reason }); none where it is not one. */
function breachOf(member: string): { at: string; reason: string | null }[] {
  try {
    const b = JSON.parse(member) as { at?: unknown; reason?: unknown };
    if (typeof b?.at !== 'string') return [];
    return [{ at: b.at, reason: typeof b.reason === 'string' ? b.reason : null }];
  } catch {
    return [];
  }
}
