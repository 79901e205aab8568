import { GpuContext, listAdapters, openGpu } from './webgpu';
import { multiplyAdd } from './selftest';

// Runs on the machine's real Vulkan driver (Mesa lavapipe without a GPU). No adapter is a
// failure that says what to install, never a skip.
describe('WebGPU through Dawn (npm webgpu)', () => {
  let gpu: GpuContext;

  beforeAll(async () => {
    gpu = await openGpu();
  });
  afterAll(() => gpu?.close());

  it('finds an adapter and describes it', async () => {
    const adapters = await listAdapters();
    expect(adapters.length).toBeGreaterThan(0);
    expect(gpu.adapter.description.length).toBeGreaterThan(0);
    expect(gpu.adapter.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 << 20);
  });

  it('runs a compute shader and every output element is right', async () => {
    const n = 4099; // not a multiple of the workgroup size: the bounds check matters
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = (i % 97) * 0.25 - 7;
      b[i] = ((i * 31) % 53) * 0.5 + 1;
    }
    const out = await multiplyAdd(gpu.device, a, b);
    expect(out).toHaveLength(n);
    const wrong: string[] = [];
    for (let i = 0; i < n; i++) {
      const expected = Math.fround(Math.fround(a[i]! * b[i]!) + i);
      // a*b+i may be fused into one FMA by the driver: allow one rounding step.
      const tolerance = Math.abs(expected) * 2 ** -23 + 1e-6;
      if (Math.abs(out[i]! - expected) > tolerance) wrong.push(`out[${i}]=${out[i]} expected ${expected}`);
    }
    expect(wrong).toEqual([]);
  });

  it('rejects mismatched inputs before touching the GPU', async () => {
    await expect(multiplyAdd(gpu.device, new Float32Array(3), new Float32Array(4))).rejects.toThrow(
      RangeError,
    );
  });
});
