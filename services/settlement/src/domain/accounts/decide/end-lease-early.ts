import { accept, DecideContext, Decision, own } from '@gpux/eventsourcing/domain';
import type { AccountCommandOf, AccountEvent, AccountState } from '../account';
import { earlyEnd } from '../rules/early-end';
import { chargeTo } from '../rules/lease-charge';
import { noLease } from './rejections';

/**
 * Delivery stopped before the lease's end (a breach): what was delivered is charged, the rest of
 * the escrow goes back to the buyer as an SLA credit (of 0 when nothing is charged or refunded).
 * Both say when delivery stopped (early-end.ts: `until`), the charge as the time it charges up to.
 */
export function endLeaseEarly(
  command: AccountCommandOf<'settlement.EndLeaseEarly'>,
  state: AccountState,
  { now }: DecideContext,
): Decision<AccountEvent> {
  const { accountId, leaseId, reason, at } = command.data;
  const lease = own(state.leases, leaseId);
  if (!lease) return noLease(accountId, leaseId);
  const { due, refund, until } = earlyEnd(
    lease,
    Math.min(at ? Date.parse(at) : now.getTime(), now.getTime()),
  );
  const charge =
    due.value > lease.chargedValue || due.fee > lease.chargedFee
      ? chargeTo(accountId, leaseId, lease, due, refund === 0, until)
      : null;
  // No charge of the lease follows this one, final or not: its credits are the lease's last.
  const charged = charge && !charge.final ? { ...charge, last: true as const } : charge;
  const events: AccountEvent[] = charged ? [{ type: 'settlement.LeaseCharged', data: charged }] : [];
  if (refund > 0 || events.length === 0) {
    events.push({
      type: 'settlement.SlaCredited',
      data: {
        accountId,
        leaseId,
        providerId: lease.providerId,
        amount: refund,
        reason,
        at: new Date(until).toISOString(),
      },
    });
  }
  return accept(...events);
}
