import { certifiablePerGpu, MAX_CHALLENGE_MS, perGpu, refuseClaim, refuseDeadline } from './claim-bounds';

describe('claim bounds', () => {
  const h100x8 = { gpuModel: 'H100-80GB', gpus: 8, precision: 'f32' as const };

  it('accepts a claim between the market minimum and 1.25 × peak, for all the GPUs together', () => {
    expect(refuseClaim(400, { ...h100x8, requiredTflopsPerGpu: 40 })).toBeNull();
    expect(refuseClaim(1.25 * 66.9 * 8, h100x8)).toBeNull();
  });

  it('refuses a claim above 1.25 × the model peak × GPUs, naming the field', () => {
    expect(refuseClaim(670, h100x8)).toEqual({
      field: 'claimedTflops',
      message: expect.stringContaining('669'),
    });
    expect(refuseClaim(84, { ...h100x8, gpus: 1 })).toEqual({
      field: 'claimedTflops',
      message: expect.stringContaining('1 GPU '),
    });
  });

  it('refuses a claim below the market minimum × GPUs', () => {
    expect(refuseClaim(319.9, { ...h100x8, requiredTflopsPerGpu: 40 })).toEqual({
      field: 'claimedTflops',
      message: expect.stringContaining('320'),
    });
  });

  it('has no ceiling for a model without a known peak, and no floor without a market minimum', () => {
    expect(refuseClaim(99_999, { gpuModel: 'LOCAL-WEBGPU', gpus: 1, precision: 'f32' })).toBeNull();
    expect(refuseClaim(1e-9, { gpuModel: 'LOCAL-WEBGPU', gpus: 1, precision: 'f32' })).toBeNull();
  });

  it('caps the time a challenge may take', () => {
    expect(refuseDeadline(1, 0, MAX_CHALLENGE_MS)).toBeNull();
    expect(refuseDeadline(1, 0, MAX_CHALLENGE_MS + 1)).toEqual({
      field: 'claimedTflops',
      message: expect.stringContaining('300 s cap'),
    });
  });

  it('divides what the node proved by its declared GPUs', () => {
    expect(perGpu(80, 8)).toBe(10);
  });

  it('certifies a figure per GPU at most 1.25 × the model peak, as a claim may be; any figure of a model with no known peak', () => {
    expect(certifiablePerGpu(30, 'H100-80GB', 'f32')).toBe(30);
    expect(certifiablePerGpu(1.25 * 66.9, 'H100-80GB', 'f32')).toBe(1.25 * 66.9);
    // A clock stepped back between issue and commitment: measured 1,000 times what the GPU can.
    expect(certifiablePerGpu(66_900, 'H100-80GB', 'f32')).toBe(1.25 * 66.9);
    expect(certifiablePerGpu(66_900, 'no-such-gpu', 'f32')).toBe(66_900);
  });
});
