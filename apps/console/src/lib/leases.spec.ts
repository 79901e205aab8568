import { leaseStatus } from './leases';

describe('leaseStatus', () => {
  it('says why a credited lease ended', () => {
    expect(leaseStatus({ status: 'CREDITED', endedReason: 'NODE_LOST' })).toBe('CREDITED (NODE_LOST)');
  });

  it('shows the status alone while a lease runs and once it ended in full', () => {
    expect(leaseStatus({ status: 'ACTIVE', endedReason: null })).toBe('ACTIVE');
    expect(leaseStatus({ status: 'ENDED', endedReason: null })).toBe('ENDED');
  });
});
