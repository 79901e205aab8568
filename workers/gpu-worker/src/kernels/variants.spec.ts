import { gpuShaped, VARIANTS } from './variants';
import { variantName } from './wgsl';

describe('the kernel family', () => {
  it('has GPU-shaped variants (256 invocations of 8×8 outputs, workgroup-memory tiles) for both precisions', () => {
    const shaped = [...VARIANTS.f32, ...VARIANTS.f16].filter(gpuShaped).map(variantName);
    expect(shaped).toEqual([
      'f32-r8x8-wg16x16-a4-smem8',
      'f32-r8x8-wg16x16-a4-smem16',
      'f32-r8x8-wg16x16-a4-smem8-db',
      'f16-r8x8-wg16x16-a4-smem16-acc32',
      'f16-r8x8-wg16x16-a4-smem16-db-acc32',
    ]);
  });

  it('leaves every variant that lavapipe tunes today out of the GPU-shaped set', () => {
    for (const name of ['f32-r16x16-wg8x1-a4-tex', 'f32-r4x4-wg16x16-smem16', 'f16-r8x16-wg8x1-a4-tex-acc32'])
      expect(gpuShaped([...VARIANTS.f32, ...VARIANTS.f16].find((p) => variantName(p) === name)!)).toBe(false);
  });
});
