import type { NodeCertified } from '@gpux/contracts';
import { initialNodeState } from '../node';
import { certificateExpiry, refuseF16WhileSuspended } from './f32-certificate';

const FRESH = '2026-07-01T00:00:00.000Z';
const certificate = (f32: number) =>
  ({ tflopsPerGpu: { f32 }, expiresAt: '2026-06-10T00:00:00.000Z' }) as NodeCertified;
const suspended = {
  ...initialNodeState(),
  suspended: { reason: 'CHALLENGE_FAILED' as const, at: '2026-06-01T00:00:00.000Z' },
};

describe('the f32 rule', () => {
  it('renews the expiry with an f32 certification only', () => {
    expect(certificateExpiry('f32', certificate(10), FRESH)).toBe(FRESH);
    expect(certificateExpiry('f16', certificate(10), FRESH)).toBe('2026-06-10T00:00:00.000Z');
  });

  it('gives an f16 figure its own expiry where there is no f32 figure', () => {
    expect(certificateExpiry('f16', null, FRESH)).toBe(FRESH);
    expect(certificateExpiry('f16', certificate(0), FRESH)).toBe(FRESH);
  });

  it('lets only an f32 certification lift a suspension', () => {
    expect(refuseF16WhileSuspended('f32', suspended)).toBeNull();
    expect(refuseF16WhileSuspended('f16', initialNodeState())).toBeNull();
    expect(refuseF16WhileSuspended('f16', suspended)).toMatch(/only an f32 certification lifts/);
  });
});
