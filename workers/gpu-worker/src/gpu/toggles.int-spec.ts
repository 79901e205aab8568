import { GpuContext, listAdapters, openGpu, useDawnToggles } from './webgpu';

// The process's one Dawn instance, created with the toggles set before it (real Dawn and Vulkan
// driver, lavapipe without a GPU). That the toggles change what Dawn offers is checked across
// processes, in cli/cli.int-spec.ts: one process has one instance.
describe('Dawn toggles for the process', () => {
  let gpu: GpuContext;
  const toggles = { enable: ['allow_unsafe_apis', 'vulkan_enable_f16_on_nvidia'], disable: ['use_dxc'] };

  beforeAll(async () => {
    useDawnToggles(toggles);
    gpu = await openGpu();
  });
  afterAll(() => gpu?.close());

  it('describes every adapter with the toggles in effect, as --dawn-toggles spells them', async () => {
    const names = ['allow_unsafe_apis', 'vulkan_enable_f16_on_nvidia', '-use_dxc'];
    expect(gpu.adapter.dawnToggles).toEqual(names);
    for (const adapter of await listAdapters()) expect(adapter.dawnToggles).toEqual(names);
  });

  it('takes the same toggles again, in any order, but refuses others once Dawn runs', () => {
    expect(() =>
      useDawnToggles({ enable: ['vulkan_enable_f16_on_nvidia', 'allow_unsafe_apis'], disable: ['use_dxc'] }),
    ).not.toThrow();
    expect(() => useDawnToggles()).toThrow(
      'Dawn already runs with toggles [allow_unsafe_apis,vulkan_enable_f16_on_nvidia,-use_dxc]: [] must be set before the GPU is first used',
    );
    expect(gpu.adapter.dawnToggles).toHaveLength(3);
  });
});
