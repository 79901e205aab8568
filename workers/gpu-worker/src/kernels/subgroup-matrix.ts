/**
 * What the device offers for subgroup matrices (the GPU's matrix units), read from Dawn's
 * adapter info: its m×n×k configurations with f16 inputs and f32 results, and its subgroup size,
 * which must be fixed (a kernel keeps one subgroup per workgroup). The kernel variants built from
 * them (wgsl-matrix.ts) join the f16 candidates of the autotuner; an adapter without the feature
 * (`chromium-experimental-subgroup-matrix`, offered only with Dawn's allow_unsafe_apis toggle)
 * has none.
 */
import type { MatmulParams, SubgroupMatrixShape } from './wgsl-params';

export const SUBGROUP_MATRIX_FEATURE = 'chromium-experimental-subgroup-matrix';

/**
 * The shapes the tuner tries, each with every f16 → f32 configuration the adapter offers: the
 * result matrices one subgroup keeps (tilesM × tilesN), loaded straight from the storage buffers
 * inside C (direct), the staged kernel alone as the baseline, and workgroups of eight subgroups
 * sharing blocks of A and B staged one k-step at a time (cooperative). On an H200 (16×16×16,
 * 16×8×16 and 16×8×8, n = 4096) direct 4×4 ran at 46-72 TFLOP/s, direct 2×2 and 4×2 at 24-43, the
 * cooperative shapes here at 55-65 where measured (the 16 others swept: 12-61), staged ones at 2-6
 * (bench/README.md).
 */
export const MATRIX_SHAPES: readonly Omit<SubgroupMatrixShape, 'm' | 'n' | 'k'>[] = [
  { tilesM: 4, tilesN: 4 },
  { tilesM: 2, tilesN: 2, direct: true },
  { tilesM: 4, tilesN: 2, direct: true },
  { tilesM: 4, tilesN: 4, direct: true },
  { tilesM: 4, tilesN: 2, subgroupsM: 2, subgroupsN: 4, stageK: 1, prefetch: true },
  { tilesM: 2, tilesN: 4, subgroupsM: 4, subgroupsN: 2, stageK: 1, prefetch: true },
];

interface MatrixInfo {
  configs: { m: number; n: number; k: number }[];
  /** The subgroup size when the adapter's is fixed; undefined when it varies or is unknown. */
  subgroupSize: number | undefined;
}

type Config = Record<string, unknown>;

/** What a device offers: its features and its adapter's info, as plain data. */
export interface DeviceOffer {
  features: ReadonlySet<string>;
  adapterInfo: Readonly<Record<string, unknown>>;
}

type InfoLike = Record<string, unknown> | undefined | null;
/** The adapter's info of each device openGpu opened (see rememberAdapterInfo). */
const adapterInfos = new WeakMap<GPUDevice, Record<string, unknown>>();

/**
 * The fields of Dawn's GPUAdapterInfo this module reads, as plain data: Dawn's objects keep them
 * in getters on their prototype (so a spread copies none), and its sequences may be array-likes.
 */
export function plainInfo(info: InfoLike): Record<string, unknown> {
  if (!info) return {};
  const raw = info['subgroupMatrixConfigs'];
  const configs =
    raw && typeof raw === 'object' && (Symbol.iterator in raw || 'length' in raw)
      ? Array.from(raw as ArrayLike<Config>, (c) => ({
          componentType: c['componentType'],
          resultComponentType: c['resultComponentType'],
          M: c['M'] ?? c['m'],
          N: c['N'] ?? c['n'],
          K: c['K'] ?? c['k'],
        }))
      : [];
  return {
    subgroupMinSize: info['subgroupMinSize'],
    subgroupMaxSize: info['subgroupMaxSize'],
    subgroupMatrixConfigs: configs,
  };
}

/**
 * Keeps the adapter's info for a device opened on it. On an H200 (npm webgpu 0.6.2, the feature
 * on) the worker found no configuration reading `device.adapterInfo` as it was; reading the
 * adapter's `info` through plainInfo, it found three. Which of the two made the difference (the
 * device's info, or its sequence not being an Array) was not told apart there: both are covered.
 */
export function rememberAdapterInfo(device: GPUDevice, adapter: GPUAdapter): void {
  adapterInfos.set(device, plainInfo(adapter.info as unknown as InfoLike));
}

export function offerOf(device: GPUDevice): DeviceOffer {
  const fromDevice = plainInfo((device as GPUDevice & { adapterInfo?: InfoLike }).adapterInfo);
  const fromAdapter = adapterInfos.get(device);
  const configs = (info: Record<string, unknown> | undefined) =>
    (info?.['subgroupMatrixConfigs'] as unknown[] | undefined)?.length ?? 0;
  return {
    features: device.features as ReadonlySet<string>,
    adapterInfo: fromAdapter && configs(fromAdapter) >= configs(fromDevice) ? fromAdapter : fromDevice,
  };
}

/** The adapter's f16 → f32 configurations and fixed subgroup size, as this Dawn reports them. */
export function matrixInfo(offer: DeviceOffer): MatrixInfo {
  const info = offer.adapterInfo;
  const raw = Array.isArray(info['subgroupMatrixConfigs']) ? (info['subgroupMatrixConfigs'] as Config[]) : [];
  const num = (c: Config, name: string) => Number(c[name] ?? c[name.toLowerCase()]);
  const configs = raw
    .filter((c) => c['componentType'] === 'f16' && c['resultComponentType'] === 'f32')
    .map((c) => ({ m: num(c, 'M'), n: num(c, 'N'), k: num(c, 'K') }))
    .filter((c) => [c.m, c.n, c.k].every((d) => d === 8 || d === 16 || d === 32));
  const min = info['subgroupMinSize'];
  const max = info['subgroupMaxSize'];
  return { configs, subgroupSize: typeof max === 'number' && min === max ? max : undefined };
}

/** The subgroup-matrix variants this device can run (none without the feature). */
export function matrixVariants(offer: DeviceOffer): MatmulParams[] {
  if (!offer.features.has(SUBGROUP_MATRIX_FEATURE)) return [];
  const { configs, subgroupSize } = matrixInfo(offer);
  if (subgroupSize === undefined) return [];
  return configs.flatMap(({ m, n, k }) =>
    MATRIX_SHAPES.map((shape) => matrixVariant({ m, n, k, ...shape }, subgroupSize)),
  );
}

export function matrixVariant(shape: SubgroupMatrixShape, subgroupSize: number): MatmulParams {
  return {
    precision: 'f16',
    accumulate: 'f32',
    source: 'buffer',
    rows: 1,
    cols: 4,
    wgX: subgroupSize,
    wgY: 1,
    aVec4: false,
    unroll: 1,
    tileK: 0,
    subgroupMatrix: shape,
  };
}

/** Why the device cannot run this subgroup-matrix variant, or null. */
export function matrixUnsupported(offer: DeviceOffer, p: MatmulParams): string | null {
  const sm = p.subgroupMatrix;
  if (!sm) return null;
  if (!offer.features.has(SUBGROUP_MATRIX_FEATURE)) return SUBGROUP_MATRIX_FEATURE;
  if (!offer.features.has('subgroups')) return 'subgroups';
  const { configs, subgroupSize } = matrixInfo(offer);
  if (subgroupSize !== p.wgX)
    return `a fixed subgroup size of ${p.wgX} (this adapter's: ${subgroupSize ?? 'varies'})`;
  if (!configs.some((c) => c.m === sm.m && c.n === sm.n && c.k === sm.k))
    return `a ${sm.m}x${sm.n}x${sm.k} f16 subgroup matrix configuration with f32 results`;
  return null;
}
