import {
  DeviceOffer,
  MATRIX_TILES,
  matrixInfo,
  matrixUnsupported,
  matrixVariant,
  matrixVariants,
  SUBGROUP_MATRIX_FEATURE,
} from './subgroup-matrix';
import {
  DEFAULT_LIMITS,
  generateMatmulWgsl,
  validateParams,
  variantName,
  workgroupMemoryBytes,
} from './wgsl';

// What Dawn reports on an NVIDIA adapter with allow_unsafe_apis (the shape of GPUSubgroupMatrixConfig).
const nvidia: DeviceOffer = {
  features: new Set(['shader-f16', 'subgroups', SUBGROUP_MATRIX_FEATURE]),
  adapterInfo: {
    subgroupMinSize: 32,
    subgroupMaxSize: 32,
    subgroupMatrixConfigs: [
      { componentType: 'f16', resultComponentType: 'f16', M: 16, N: 16, K: 16 },
      { componentType: 'f16', resultComponentType: 'f32', M: 16, N: 16, K: 16 },
      { componentType: 'i8', resultComponentType: 'i32', M: 16, N: 16, K: 32 },
    ],
  },
};
// Lavapipe here: subgroups of 8, no matrix units.
const lavapipe: DeviceOffer = {
  features: new Set(['shader-f16', 'subgroups']),
  adapterInfo: { subgroupMinSize: 8, subgroupMaxSize: 8 },
};

describe('subgroup matrices: what the device offers', () => {
  it('keeps the f16 → f32 configurations and a fixed subgroup size', () => {
    expect(matrixInfo(nvidia)).toEqual({ configs: [{ m: 16, n: 16, k: 16 }], subgroupSize: 32 });
    expect(
      matrixInfo({ ...nvidia, adapterInfo: { ...nvidia.adapterInfo, subgroupMinSize: 16 } }).subgroupSize,
    ).toBe(undefined);
  });

  it('builds one variant per configuration and tile shape, none without the feature or a fixed size', () => {
    const variants = matrixVariants(nvidia);
    expect(variants.map(variantName)).toEqual(
      MATRIX_TILES.map(([tm, tn]) => `f16-sm16x16x16-t${tm}x${tn}-wg32-acc32`),
    );
    expect(matrixVariants(lavapipe)).toEqual([]);
    expect(matrixVariants({ ...nvidia, features: new Set(['shader-f16', 'subgroups']) })).toEqual([]);
  });

  it('says why a device cannot run a variant', () => {
    const v = matrixVariant({ m: 16, n: 16, k: 16, tilesM: 2, tilesN: 2 }, 32);
    expect(matrixUnsupported(nvidia, v)).toBeNull();
    expect(matrixUnsupported(lavapipe, v)).toBe(SUBGROUP_MATRIX_FEATURE);
    expect(matrixUnsupported(nvidia, { ...v, wgX: 64 })).toMatch(
      /fixed subgroup size of 64 \(this adapter's: 32\)/,
    );
    expect(matrixUnsupported(nvidia, { ...v, subgroupMatrix: { ...v.subgroupMatrix!, k: 8 } })).toMatch(
      /16x16x8 f16 subgroup matrix configuration/,
    );
  });
});

describe('subgroup matrices: the kernel', () => {
  const v = matrixVariant({ m: 16, n: 16, k: 16, tilesM: 4, tilesN: 2 }, 32);

  it('is a valid f16-data, f32-accumulation variant within the workgroup memory it needs', () => {
    expect(validateParams(v, { ...DEFAULT_LIMITS, maxComputeWorkgroupStorageSize: 32768 })).toEqual([]);
    // A 64×16 and a 16×32 block of f16, a 64×32 block of f32 results.
    expect(workgroupMemoryBytes(v)).toBe((64 * 16 + 16 * 32) * 2 + 64 * 32 * 4);
    expect(validateParams({ ...v, accumulate: 'f16' }).join()).toMatch(
      /subgroupMatrix needs f16 data, f32 accumulators/,
    );
    expect(validateParams({ ...v, subgroupMatrix: { ...v.subgroupMatrix!, m: 12 } }).join()).toMatch(
      /m, n and k of 8, 16 or 32/,
    );
  });

  it('declares the matrices columns first, loads them from workgroup memory and accumulates in f32', () => {
    const code = generateMatmulWgsl(v, 'vec4');
    expect(code).toMatch(/^enable f16;\nenable subgroups;\nenable chromium_experimental_subgroup_matrix;\n/);
    expect(code).toMatch(/var<workgroup> tileA: array<f16, 1024>;/);
    expect(code).toMatch(/var<workgroup> tileB: array<f16, 512>;/);
    expect(code).toMatch(/var<workgroup> tileC: array<f32, 2048>;/);
    // left: k columns × m rows; right: n columns × k rows; result: n columns × m rows.
    expect(code.match(/subgroup_matrix_left<f16, 16, 16>>\(&tileA, \d+u, false, 16u\)/g)).toHaveLength(4);
    expect(code.match(/subgroup_matrix_right<f16, 16, 16>>\(&tileB, \d+u, false, 32u\)/g)).toHaveLength(2);
    expect(code.match(/= subgroupMatrixMultiplyAccumulate\(left\d, right\d, acc_\d_\d\);/g)).toHaveLength(8);
    expect(code.match(/var acc_\d_\d = subgroup_matrix_result<f32, 16, 16>\(\);/g)).toHaveLength(8);
    // Each result lands at its rows and columns of the 64×32 block.
    expect(code).toMatch(/subgroupMatrixStore\(&tileC, 1040u, acc_2_1, false, 32u\);/);
    expect(code).toMatch(/@workgroup_size\(32, 1\)/);
  });
});
