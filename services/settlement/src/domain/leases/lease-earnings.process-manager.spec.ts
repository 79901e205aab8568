import { Envelope, LeaseCharged, PLATFORM_ACCOUNT_ID } from '@gpux/contracts';
import { leaseEarnings } from './lease-earnings.process-manager';

const event = (type: string, data: unknown): Envelope => ({
  id: 'e1',
  type,
  source: 'settlement',
  subject: 'buyer-1',
  time: '2026-06-01T12:00:00.000Z',
  schemaVersion: 1,
  correlationId: 'c',
  causationId: 'c',
  data,
});
const charge = (amount: number, fee: number): LeaseCharged => ({
  accountId: 'buyer-1',
  leaseId: 'lease-1',
  providerId: 'prov-1',
  amount,
  fee,
  chargedValue: 700,
  chargedFee: 70,
  final: false,
});

describe('lease earnings process manager (settlement → settlement)', () => {
  it("credits a charge to the provider and its fee to the platform, each naming the lease's running total", () => {
    expect(leaseEarnings.react(event('settlement.LeaseCharged', charge(300, 30)))).toEqual([
      {
        type: 'settlement.CreditEarnings',
        subject: 'prov-1',
        data: { accountId: 'prov-1', amount: 300, leaseId: 'lease-1', kind: 'lease', through: 700 },
      },
      {
        type: 'settlement.CreditEarnings',
        subject: PLATFORM_ACCOUNT_ID,
        data: { accountId: PLATFORM_ACCOUNT_ID, amount: 30, leaseId: 'lease-1', kind: 'fee', through: 70 },
      },
    ]);
  });

  it("marks the credits of a lease's last charge (final, or the lease ended early with it) as its last", () => {
    for (const last of [{ final: true }, { last: true as const }]) {
      expect(
        leaseEarnings
          .react(event('settlement.LeaseCharged', { ...charge(300, 30), ...last }))
          .map((c) => c.data),
      ).toEqual([
        expect.objectContaining({ kind: 'lease', through: 700, last: true }),
        expect.objectContaining({ kind: 'fee', through: 70, last: true }),
      ]);
    }
  });

  it('credits nothing of a charge that is 0 (a fee-free market, a final charge with nothing left)', () => {
    expect(
      leaseEarnings.react(event('settlement.LeaseCharged', charge(300, 0))).map((c) => c.subject),
    ).toEqual(['prov-1']);
    expect(leaseEarnings.react(event('settlement.LeaseCharged', charge(0, 0)))).toEqual([]);
  });

  it("closes the provider's and the platform's credits of a lease that ends early, whether or not a last charge came with it", () => {
    expect(
      leaseEarnings.react(
        event('settlement.SlaCredited', {
          accountId: 'buyer-1',
          leaseId: 'lease-1',
          providerId: 'prov-1',
          amount: 0,
          reason: 'NODE_LOST',
        }),
      ),
    ).toEqual([
      {
        type: 'settlement.CloseLeaseCredits',
        subject: 'prov-1',
        data: { accountId: 'prov-1', leaseId: 'lease-1', kind: 'lease' },
      },
      {
        type: 'settlement.CloseLeaseCredits',
        subject: PLATFORM_ACCOUNT_ID,
        data: { accountId: PLATFORM_ACCOUNT_ID, leaseId: 'lease-1', kind: 'fee' },
      },
    ]);
  });

  it('ignores other events', () => {
    expect(
      leaseEarnings.react(
        event('settlement.EarningsCredited', {
          accountId: 'prov-1',
          amount: 3,
          leaseId: 'lease-1',
          kind: 'lease',
        }),
      ),
    ).toEqual([]);
  });
});
