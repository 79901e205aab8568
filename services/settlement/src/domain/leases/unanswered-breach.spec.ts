import { scenario } from '@gpux/eventsourcing/domain';
import { AccountEvent, accountDecider } from '../accounts/account.decider';
import { unansweredBreach } from './unanswered-breach';
import type { NodeLiveness } from './delivered-until';

const T = Date.parse('2026-06-01T12:00:00.000Z');
const at = (s: number) => new Date(T + s * 1_000).toISOString();
const GRACE = 600_000;
// A lease of an hour from T.
const lease = { start: T, end: T + 3_600_000 };
const breached = (s: number, more: Partial<NodeLiveness> = {}): NodeLiveness => ({
  beat: null,
  status: 'SUSPENDED',
  suspendedAt: at(s),
  suspendedReason: 'CREDENTIAL_REVOKED',
  ...more,
});

describe('the rule of a breach no early end answered', () => {
  it('ends a lease breached during it once the breach is the grace old, at the breach, for its reason', () => {
    expect(unansweredBreach(T + 60_000 + GRACE - 1, lease, breached(60), GRACE)).toBeNull();
    expect(unansweredBreach(T + 60_000 + GRACE, lease, breached(60), GRACE)).toEqual({
      at: at(60),
      reason: 'CREDENTIAL_REVOKED',
    });
    // Long after the lease's end too: orders pruned it, or never heard of the breach.
    expect(unansweredBreach(T + 86_400_000, lease, breached(60), GRACE)).toEqual({
      at: at(60),
      reason: 'CREDENTIAL_REVOKED',
    });
    // Certified again since: the breach still ended this lease. Capacity's node hash drops the
    // breach's reason at the recertification (it keeps its `at`); read from a model folded before
    // capacity kept its breaches, the generic reason, the same money.
    expect(
      unansweredBreach(
        T + 86_400_000,
        lease,
        breached(60, { status: 'CERTIFIED', suspendedReason: null }),
        GRACE,
      ),
    ).toEqual({ at: at(60), reason: 'NODE_SUSPENDED' });
    // A node that beats on (a failed spot check), or one watched no more: the breach decides, not the beat.
    expect(
      unansweredBreach(
        T + 86_400_000,
        lease,
        { ...breached(60, { sessionId: 's1', suspendedReason: 'CHALLENGE_FAILED' }), beat: at(90_000) },
        GRACE,
      ),
    ).toEqual({ at: at(60), reason: 'CHALLENGE_FAILED' });
    // A reason capacity's model does not name (an older model) is the generic one.
    expect(
      unansweredBreach(T + 86_400_000, lease, breached(60, { suspendedReason: 'SOMETHING' }), GRACE),
    ).toEqual({ at: at(60), reason: 'NODE_SUSPENDED' });
    expect(
      unansweredBreach(T + 86_400_000, lease, { ...breached(60), suspendedReason: null }, GRACE),
    ).toEqual({
      at: at(60),
      reason: 'NODE_SUSPENDED',
    });
  });

  it('ends the lease at its first breach, for its reason, though the node was certified and breached again since', () => {
    // A spot check failed 60 s in; certified again; its credential revoked 1,800 s in, before the
    // lease's end. Orders has ended neither: the meter ends it at the first, for the first's reason.
    const node = breached(1_800, {
      breaches: [
        { at: at(1_800), reason: 'CREDENTIAL_REVOKED' },
        { at: at(60), reason: 'CHALLENGE_FAILED' },
      ],
    });
    expect(unansweredBreach(T + 60_000 + GRACE - 1, lease, node, GRACE)).toBeNull();
    expect(unansweredBreach(T + 60_000 + GRACE, lease, node, GRACE)).toEqual({
      at: at(60),
      reason: 'CHALLENGE_FAILED',
    });
    // A second breach at or after the lease's end changes nothing either.
    expect(
      unansweredBreach(
        T + 86_400_000,
        lease,
        {
          ...node,
          breaches: [
            { at: at(60), reason: 'CHALLENGE_FAILED' },
            { at: at(4_000), reason: 'NODE_LOST' },
          ],
          suspendedAt: at(4_000),
        },
        GRACE,
      ),
    ).toEqual({ at: at(60), reason: 'CHALLENGE_FAILED' });
  });

  it("counts the grace from the lease's start where the breach came before it", () => {
    // A trade the market made before it heard of the breach (a lost node, dated at its last beat).
    expect(unansweredBreach(T - 5_000 + GRACE, lease, breached(-5), GRACE)).toBeNull();
    expect(unansweredBreach(T + GRACE - 1, lease, breached(-5), GRACE)).toBeNull();
    expect(unansweredBreach(T + GRACE, lease, breached(-5), GRACE)).toEqual({
      at: at(-5),
      reason: 'CREDENTIAL_REVOKED',
    });
  });

  it('ends no lease that was delivered: no breach, one at or after its end, or an old one of a node certified again', () => {
    const late = T + 86_400_000;
    expect(unansweredBreach(late, lease, { beat: null }, GRACE)).toBeNull();
    expect(unansweredBreach(late, lease, { sessionId: 's1', beat: at(10) }, GRACE)).toBeNull();
    expect(unansweredBreach(late, lease, breached(3_600), GRACE)).toBeNull();
    expect(unansweredBreach(late, lease, breached(4_000), GRACE)).toBeNull();
    expect(unansweredBreach(late, lease, breached(-5, { status: 'CERTIFIED' }), GRACE)).toBeNull();
    expect(unansweredBreach(late, lease, breached(-5, { suspendedAt: 'not a time' }), GRACE)).toBeNull();
  });

  describe("with orders' own early end, the account ends the lease once, the same whichever comes first", () => {
    const account = scenario(accountDecider);
    const opened: AccountEvent[] = [
      { type: 'settlement.AccountOpened', data: { accountId: 'buyer', owner: 'Ada' } },
      {
        type: 'settlement.FundsDeposited',
        data: { accountId: 'buyer', amount: 100_000_000, reference: null },
      },
      { type: 'settlement.FundsHeld', data: { accountId: 'buyer', holdId: 'b1', amount: 50_000_000 } },
      {
        type: 'settlement.LeaseOpened',
        data: {
          accountId: 'buyer',
          leaseId: 't1',
          holdId: 'b1',
          providerId: 'prov',
          marketId: 'H100',
          nodeId: 'n1',
          gpus: 2,
          price: 1_000_001,
          value: 2_000_002,
          fee: 50_001,
          start: new Date(lease.start).toISOString(),
          end: new Date(lease.end).toISOString(),
        },
      },
      // The meter charged it 10 minutes (a sixth) of it; its node was breached 20 minutes in.
      {
        type: 'settlement.LeaseCharged',
        data: {
          accountId: 'buyer',
          leaseId: 't1',
          providerId: 'prov',
          amount: 333_333,
          fee: 8_333,
          chargedValue: 333_333,
          chargedFee: 8_333,
          final: false,
        },
      },
    ];
    const ends = (by: { at: string; reason: string }) => ({
      type: 'settlement.EndLeaseEarly' as const,
      data: { accountId: 'buyer', leaseId: 't1', ...by } as {
        accountId: string;
        leaseId: string;
        at: string;
        reason: 'CREDENTIAL_REVOKED';
      },
    });
    const node = breached(1_200);
    const meters = unansweredBreach(T + 86_400_000, lease, node, GRACE)!;
    // What orders sends: the breach's `at` and reason, as capacity recorded them (node.suspendedAt).
    const orders = { at: at(1_200), reason: 'CREDENTIAL_REVOKED' };
    const now = { now: new Date(T + 86_400_000) };

    it.each([
      ['the meter', meters, orders],
      ['orders', orders, meters],
    ])('%s first: the other is refused NOT_FOUND, nothing charged or refunded twice', (_, first, second) => {
      const decided = account.given(...opened).when(ends(first), now);
      expect(decided).toMatchObject({
        kind: 'accepted',
        events: [
          {
            type: 'settlement.LeaseCharged',
            // Up to the breach (a third): 666,667 and 16,667 in all.
            data: { amount: 333_334, fee: 8_334, chargedValue: 666_667, chargedFee: 16_667, last: true },
          },
          {
            type: 'settlement.SlaCredited',
            data: { amount: 2_000_002 + 50_001 - 666_667 - 16_667, reason: 'CREDENTIAL_REVOKED' },
          },
        ],
      });
      const events = decided.kind === 'accepted' ? decided.events : [];
      expect(account.given(...opened, ...events).when(ends(second), now)).toMatchObject({
        kind: 'rejected',
        code: 'NOT_FOUND',
        field: 'leaseId',
      });
    });

    it("decides the same events as orders' end", () => {
      expect(account.given(...opened).when(ends(meters), now)).toEqual(
        account.given(...opened).when(ends(orders), now),
      );
    });
  });
});
