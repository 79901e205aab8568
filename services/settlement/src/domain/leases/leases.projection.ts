import { Envelope, isMessageOf, SettlementEvents, settlementReadModel as rm } from '@gpux/contracts';
import type { LogPosition, Projection, RedisOp } from '@gpux/eventsourcing/domain';

/** The events this projection folds. */
const FOLDED = [
  SettlementEvents.leaseOpened,
  SettlementEvents.leaseCharged,
  SettlementEvents.slaCredited,
] as const;

/**
 * Leases as buyers and providers see them, and the running ones the meter charges. Each lease keeps
 * the bid it was bought with (`bidId`: LeaseOpened's `holdId`, the bid's order id); the ask it was
 * sold with is not in LeaseOpened, so it is not kept. And up to when it is charged
 * (`chargedUntilMs`, epoch ms): its charges' `upTo`, and for a lease ended early when delivery
 * stopped (SlaCredited's `at`), the latest of them (hmax: the meter may have charged past the stop
 * where no worker watched the node, and what was charged is not given back). A charge written
 * before charges carried the time (a lease running across the upgrade, or an older instance's
 * charge during a rolling one) leaves the lease's totals at a time no event says: it is marked
 * `chargedUntilUnknown` until a later charge that says its time charges something (its totals are
 * then what the lease accrued by it); a credit's time, or a charge of nothing, never unmarks it.
 * (An ENDED lease is charged in full, up to its end, however its charges were written: the read
 * side says so, settlement.queries.ts' leaseView.)
 */
export function leasesProjection(eventsTopic: string): Projection {
  return {
    name: 'settlement.leases',
    // Unversioned at first. 2: each lease's bid (bidId). 3: up to when it is charged
    // (chargedUntilMs). 4: and whether a charge since recorded no time (chargedUntilUnknown).
    version: '4',
    topics: [eventsTopic],
    keyPrefix: rm.prefix,
    apply(event: Envelope, _position?: LogPosition): RedisOp[] {
      if (!isMessageOf(event, FOLDED)) return [];
      switch (event.type) {
        case 'settlement.LeaseOpened': {
          const l = event.data;
          const key = rm.lease(l.leaseId);
          const start = Date.parse(l.start);
          const fields: Record<string, string | number> = {
            buyerId: l.accountId,
            bidId: l.holdId,
            providerId: l.providerId,
            marketId: l.marketId,
            nodeId: l.nodeId,
            gpus: l.gpus,
            price: l.price,
            value: l.value,
            fee: l.fee,
            start: l.start,
            end: l.end,
            chargedValue: 0,
            chargedFee: 0,
            refunded: 0,
            status: 'ACTIVE',
          };
          return [
            ...Object.entries(fields).map(([field, value]): RedisOp => ({
              op: 'hset',
              key,
              field,
              value: String(value),
            })),
            { op: 'zadd', key: rm.accountLeases(l.accountId), score: start, member: l.leaseId },
            { op: 'zadd', key: rm.accountLeases(l.providerId), score: start, member: l.leaseId },
            { op: 'zadd', key: rm.activeLeases, score: Date.parse(l.end), member: l.leaseId },
          ];
        }
        case 'settlement.LeaseCharged': {
          const c = event.data;
          const key = rm.lease(c.leaseId);
          return [
            { op: 'hset', key, field: 'chargedValue', value: String(c.chargedValue) },
            { op: 'hset', key, field: 'chargedFee', value: String(c.chargedFee) },
            ...(c.upTo === undefined
              ? [{ op: 'hset', key, field: 'chargedUntilUnknown', value: '1' } as const]
              : [
                  ...chargedUntil(key, c.upTo),
                  ...(c.amount + c.fee > 0
                    ? [{ op: 'hdel', key, field: 'chargedUntilUnknown' } as const]
                    : []),
                ]),
            ...(c.final
              ? [
                  { op: 'hset', key, field: 'status', value: 'ENDED' } as const,
                  { op: 'zrem', key: rm.activeLeases, member: c.leaseId } as const,
                ]
              : []),
          ];
        }
        case 'settlement.SlaCredited': {
          const c = event.data;
          const key = rm.lease(c.leaseId);
          return [
            { op: 'hset', key, field: 'refunded', value: String(c.amount) },
            { op: 'hset', key, field: 'status', value: 'CREDITED' },
            { op: 'hset', key, field: 'endedBy', value: c.reason },
            { op: 'hset', key, field: 'endedAt', value: event.time },
            ...chargedUntil(key, c.at),
            { op: 'zrem', key: rm.activeLeases, member: c.leaseId },
          ];
        }
      }
    },
  };
}

/** The lease is charged up to `time` (ISO), where the event says it: never back (hmax). */
function chargedUntil(key: string, time: string | undefined): RedisOp[] {
  return time === undefined ? [] : [{ op: 'hmax', key, field: 'chargedUntilMs', value: Date.parse(time) }];
}
