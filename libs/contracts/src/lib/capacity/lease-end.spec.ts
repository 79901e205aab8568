import { leaseEnd } from './lease-end';

describe('leaseEnd: the end of the lease a node runs, from its read model hash', () => {
  it('is the end of its latest lease, while no breach came after that lease began', () => {
    expect(leaseEnd({})).toBeUndefined();
    expect(leaseEnd({ leasedUntilMs: '7200000', leasedFromMs: '0' })).toBe(7_200_000);
    // A breach before the lease (the node recertified since): the lease runs.
    expect(leaseEnd({ leasedUntilMs: '7200000', leasedFromMs: '3600000', breachedAtMs: '1000' })).toBe(
      7_200_000,
    );
  });

  it('is none once a breach came after the lease began: the breach ended it early', () => {
    expect(
      leaseEnd({ leasedUntilMs: '7200000', leasedFromMs: '3600000', breachedAtMs: '3600001' }),
    ).toBeUndefined();
    expect(
      leaseEnd({ leasedUntilMs: '7200000', leasedFromMs: '3600000', breachedAtMs: '3600000' }),
    ).toBeUndefined();
    // Folded before leases' starts were kept: a breach on record ends it.
    expect(leaseEnd({ leasedUntilMs: '7200000', breachedAtMs: '5' })).toBeUndefined();
  });
});
