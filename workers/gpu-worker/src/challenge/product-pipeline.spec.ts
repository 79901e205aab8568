import { widenDispatch } from './product-pipeline';

describe('widenDispatch', () => {
  it("covers every value, within WebGPU's 65,535 workgroups per dimension", () => {
    for (const count of [1, 255, 256, 257, 512 * 512, 4096 * 4096, 4097 * 4097, 8192 * 8192]) {
      const [x, y] = widenDispatch(count);
      expect(x).toBeLessThanOrEqual(65_535);
      expect(y).toBeLessThanOrEqual(65_535);
      expect(x * y * 256).toBeGreaterThanOrEqual(count);
      // No more than one row of workgroups beyond what the values need.
      expect(x * (y - 1) * 256).toBeLessThan(count);
    }
  });
});
