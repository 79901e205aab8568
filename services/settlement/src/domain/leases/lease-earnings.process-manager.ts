import {
  commandOf,
  Envelope,
  isMessage,
  PLATFORM_ACCOUNT_ID,
  SettlementCommands,
  SettlementEvents,
} from '@gpux/contracts';
import type { EmittedCommand, ProcessManager } from '@gpux/eventsourcing/domain';

/**
 * settlement → settlement: what a lease's charge takes from the buyer's escrow is credited to the
 * provider, and its fee to the platform (their accounts may live on other partitions). A lease
 * that ends early (its SLA credit) closes their credits of it: when nothing was due beyond its
 * charges so far (a node lost since its last heartbeat, which the meter charged past), no last
 * credit says it is over. Where one did, or nothing was credited, the close changes nothing.
 */
export const leaseEarnings: ProcessManager = {
  name: 'settlement-lease-earnings',
  react(event: Envelope): EmittedCommand[] {
    if (isMessage(event, SettlementEvents.slaCredited)) {
      const { leaseId, providerId } = event.data;
      return [
        commandOf(SettlementCommands.closeLeaseCredits, providerId, {
          accountId: providerId,
          leaseId,
          kind: 'lease',
        }),
        commandOf(SettlementCommands.closeLeaseCredits, PLATFORM_ACCOUNT_ID, {
          accountId: PLATFORM_ACCOUNT_ID,
          leaseId,
          kind: 'fee',
        }),
      ];
    }
    if (!isMessage(event, SettlementEvents.leaseCharged)) return [];
    const c = event.data;
    const out: EmittedCommand[] = [];
    // Each credit names its charge (the lease's running total), so an account credits it once
    // however often this is replayed; the lease's last one says so, so the account need not
    // remember the lease forever.
    const last = c.final || c.last ? { last: true as const } : {};
    if (c.amount > 0)
      out.push(
        commandOf(SettlementCommands.creditEarnings, c.providerId, {
          accountId: c.providerId,
          amount: c.amount,
          leaseId: c.leaseId,
          kind: 'lease',
          through: c.chargedValue,
          ...last,
        }),
      );
    if (c.fee > 0)
      out.push(
        commandOf(SettlementCommands.creditEarnings, PLATFORM_ACCOUNT_ID, {
          accountId: PLATFORM_ACCOUNT_ID,
          amount: c.fee,
          leaseId: c.leaseId,
          kind: 'fee',
          through: c.chargedFee,
          ...last,
        }),
      );
    return out;
  },
};
