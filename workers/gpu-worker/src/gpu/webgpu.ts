import { create, globals } from 'webgpu';

/** What the worker tells about the adapter it chose. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation such as Mesa lavapipe: correct, but not a GPU to sell. */
  isFallbackAdapter: boolean;
  features: string[];
  limits: { maxStorageBufferBindingSize: number; maxComputeWorkgroupStorageSize: number; maxComputeInvocationsPerWorkgroup: number };
}

export class NoAdapterError extends Error {
  constructor() {
    super(
      'no WebGPU adapter found: Dawn needs a Vulkan driver. On Debian 12 install libvulkan1 and ' +
        'mesa-vulkan-drivers from bookworm-backports (software lavapipe), or your GPU vendor\'s Vulkan driver',
    );
    this.name = 'NoAdapterError';
  }
}

let instance: GPU | undefined;
/**
 * The process's one Dawn instance, kept for the life of the process: Dawn processes device events
 * through it, and a collected instance under a live device crashes the process. Installs Dawn's
 * WebGPU objects (GPUBufferUsage, GPUMapMode, …) as the globals WebGPU code expects.
 */
function dawn(): GPU {
  if (!instance) {
    Object.assign(globalThis, globals);
    instance = create([]);
  }
  return instance;
}

export function describeAdapter(adapter: GPUAdapter): AdapterDescription {
  const info = adapter.info;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter),
    features: [...adapter.features].map(String).sort(),
    limits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
    },
  };
}

/** Every adapter Dawn offers, one per distinct device (high-performance first). */
export async function listAdapters(): Promise<AdapterDescription[]> {
  const gpu = dawn();
  const found: AdapterDescription[] = [];
  for (const powerPreference of ['high-performance', 'low-power'] as const) {
    const adapter = await gpu.requestAdapter({ powerPreference });
    if (!adapter) continue;
    const d = describeAdapter(adapter);
    if (!found.some((f) => f.device === d.device && f.description === d.description)) found.push(d);
  }
  return found;
}

export interface GpuContext {
  adapter: AdapterDescription;
  device: GPUDevice;
  /** Releases the device; buffers should be unmapped and destroyed before. */
  close(): void;
}

/** The high-performance adapter and a device on it, with every optional feature the kernels use. */
export async function openGpu(): Promise<GpuContext> {
  const adapter = await dawn().requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new NoAdapterError();
  const wanted: GPUFeatureName[] = ['shader-f16', 'timestamp-query'];
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  return { adapter: describeAdapter(adapter), device, close: () => device.destroy() };
}
