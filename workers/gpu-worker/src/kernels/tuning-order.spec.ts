import { likelyFirst } from './tuning-order';
import { VARIANTS } from './variants';
import { variantName } from './wgsl';

describe('the order candidates are tuned in', () => {
  it('on a CPU (lavapipe), the texture variants first, the biggest register blocks first among them', () => {
    const order = likelyFirst(VARIANTS.f32, { isFallbackAdapter: true }).map(variantName);
    // The fastest of the family there, measured first (20-38 GFLOP/s against 4-8 for the buffer
    // variants at n=512): a tuning a spot check stops at once has it.
    expect(order.slice(0, 4)).toEqual([
      'f32-r16x16-wg8x1-a4-tex',
      'f32-r16x16-wg8x8-a4-tex',
      'f32-r8x16-wg8x1-a4-tex',
      'f32-r8x8-wg8x8-a4-tex',
    ]);
    expect(order).toHaveLength(VARIANTS.f32.length);
    expect([...order].sort()).toEqual(VARIANTS.f32.map(variantName).sort());
  });

  it('on a GPU, workgroup-memory tiles and subgroup shuffles before the plain register blocks', () => {
    const order = likelyFirst(VARIANTS.f32, { isFallbackAdapter: false });
    const first = order.findIndex((p) => !(p.tileK > 0 || p.subgroups));
    expect(first).toBeGreaterThan(0);
    expect(order.slice(first).every((p) => !(p.tileK > 0 || p.subgroups))).toBe(true);
    // The baseline stays last among its equals, as the family lists them.
    expect(variantName(order.at(-1)!)).toBe('f32-r4x4-wg8x8');
  });
});
