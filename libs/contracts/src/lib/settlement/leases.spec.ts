import { leaseChargedSchema, slaCreditedSchema } from './leases';

const charge = {
  accountId: 'buyer',
  leaseId: 't1',
  providerId: 'prov',
  amount: 300,
  fee: 30,
  chargedValue: 300,
  chargedFee: 30,
  final: false,
};
const credit = { accountId: 'buyer', leaseId: 't1', providerId: 'prov', amount: 700, reason: 'NODE_LOST' };

describe('the times a lease charge and an SLA credit record', () => {
  it('decode on events written before they existed, without them', () => {
    expect(leaseChargedSchema.parse(charge)).toEqual(charge);
    expect(slaCreditedSchema.parse(credit)).toEqual(credit);
  });

  it('are ISO date-times with an offset', () => {
    const upTo = '2026-06-01T01:00:00.000Z';
    expect(leaseChargedSchema.parse({ ...charge, upTo })).toEqual({ ...charge, upTo });
    expect(slaCreditedSchema.parse({ ...credit, at: upTo })).toEqual({ ...credit, at: upTo });
    expect(leaseChargedSchema.safeParse({ ...charge, upTo: 1_780_000_000_000 }).success).toBe(false);
    expect(slaCreditedSchema.safeParse({ ...credit, at: 'yesterday' }).success).toBe(false);
  });
});
