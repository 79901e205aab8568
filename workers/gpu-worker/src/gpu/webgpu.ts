import { create, globals } from 'webgpu';
import { rememberAdapterInfo } from '../kernels/subgroup-matrix';
import { AdapterSource, chooseAdapter } from './choose';
import { dawnFlags, DawnToggles, NO_TOGGLES, sameToggles, toggleNames } from './toggles';

/** What the worker tells about the adapter it chose. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation such as Mesa lavapipe: correct, but not a GPU to sell. */
  isFallbackAdapter: boolean;
  features: string[];
  /**
   * The Dawn toggles the process's instance was created with, as --dawn-toggles spells them: as
   * asked for (Dawn ignores a name it does not know, without a word).
   */
  dawnToggles: string[];
  limits: {
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
  };
}

export class NoAdapterError extends Error {
  constructor() {
    super(
      'no WebGPU adapter found: Dawn needs a Vulkan driver. On Debian 12 install libvulkan1 and ' +
        "mesa-vulkan-drivers from bookworm-backports (software lavapipe), or your GPU vendor's Vulkan driver",
    );
    this.name = 'NoAdapterError';
  }
}

let instance: GPU | undefined;
let toggles: DawnToggles = NO_TOGGLES;

/**
 * The Dawn toggles (gpu/toggles.ts) the process's one instance is created with: set before the
 * GPU is first used. Throws once the instance exists with other toggles (it cannot be remade).
 */
export function useDawnToggles(wanted: DawnToggles = NO_TOGGLES): void {
  if (sameToggles(wanted, toggles)) return;
  if (instance)
    throw new Error(
      `Dawn already runs with toggles [${toggleNames(toggles).join(',')}]: ` +
        `[${toggleNames(wanted).join(',')}] must be set before the GPU is first used`,
    );
  toggles = wanted;
}

/**
 * The process's one Dawn instance, kept for the life of the process: Dawn processes device events
 * through it, and a collected instance under a live device crashes the process. Installs Dawn's
 * WebGPU objects (GPUBufferUsage, GPUMapMode, …) as the globals WebGPU code expects.
 */
function dawn(): GPU {
  if (!instance) {
    Object.assign(globalThis, globals);
    instance = create(dawnFlags(toggles));
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
    dawnToggles: toggleNames(toggles),
    limits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
    },
  };
}

/**
 * Dawn's node binding has no enumerateAdapters: each requestAdapter answers with the best adapter
 * for its options. These options reach every kind it can offer (a discrete GPU, an integrated one,
 * the software fallback), in this order; the first one is what a plain requestAdapter returns.
 */
const ADAPTER_REQUESTS: readonly GPURequestAdapterOptions[] = [
  { powerPreference: 'high-performance' },
  { powerPreference: 'low-power' },
  { forceFallbackAdapter: true },
];

/** Every adapter Dawn offers, one per distinct description, in the order of ADAPTER_REQUESTS. */
async function requestAdapters(): Promise<{ adapter: GPUAdapter; description: AdapterDescription }[]> {
  const gpu = dawn();
  const found: { adapter: GPUAdapter; description: AdapterDescription }[] = [];
  for (const options of ADAPTER_REQUESTS) {
    const adapter = await gpu.requestAdapter(options);
    if (!adapter) continue;
    const d = describeAdapter(adapter);
    const same = (f: AdapterDescription) =>
      f.description === d.description && f.device === d.device && f.vendor === d.vendor;
    if (!found.some((f) => same(f.description))) found.push({ adapter, description: d });
  }
  return found;
}

/** Every adapter Dawn offers, one per distinct device; the index is what --adapter takes. */
export async function listAdapters(): Promise<AdapterDescription[]> {
  return (await requestAdapters()).map((a) => a.description);
}

export interface GpuContext {
  adapter: AdapterDescription;
  device: GPUDevice;
  /** Releases the device; buffers should be unmapped and destroyed before. */
  close(): void;
}

/** A --adapter that names no adapter, or several: its message lists those there are. */
export class AdapterChoiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdapterChoiceError';
  }
}

/**
 * An adapter and a device on it, with every optional feature the kernels use: the one `choice`
 * names (an index or a part of its name, see gpu/choose.ts), else the high-performance one.
 * `source` names where the choice came from, for the message when it fits no adapter.
 */
export async function openGpu(choice?: string, source?: AdapterSource): Promise<GpuContext> {
  let adapter: GPUAdapter | null;
  if (choice === undefined) adapter = await dawn().requestAdapter({ powerPreference: 'high-performance' });
  else {
    const all = await requestAdapters();
    const chosen = chooseAdapter(
      all.map((a) => a.description),
      choice,
      source,
    );
    if (!chosen.ok) throw all.length === 0 ? new NoAdapterError() : new AdapterChoiceError(chosen.error);
    adapter = all[chosen.index]?.adapter ?? null;
  }
  if (!adapter) throw new NoAdapterError();
  // subgroups: the subgroup kernel variants; subgroup matrices (tensor cores) are offered only
  // behind Dawn's allow_unsafe_apis toggle. A variant that needs a feature the device lacks is
  // never compiled.
  const wanted = [
    'shader-f16',
    'timestamp-query',
    'subgroups',
    'chromium-experimental-subgroup-matrix',
  ] as GPUFeatureName[];
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
      // Workgroups are one-dimensional (wgY is 1 in most variants): as wide as the invocations
      // allow. Without it an H200 refused a 512-wide workgroup (its default is 256).
      maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
      // The texture kernels hold A and B as textures n texels high: past 8192 (WebGPU's default)
      // where the adapter allows it, as the storage buffers are.
      maxTextureDimension2D: adapter.limits.maxTextureDimension2D,
    },
  });
  rememberAdapterInfo(device, adapter);
  return { adapter: describeAdapter(adapter), device, close: () => device.destroy() };
}
