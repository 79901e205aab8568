import {
  DeviceOffer,
  MATRIX_SHAPES,
  matrixInfo,
  matrixUnsupported,
  matrixVariant,
  matrixVariants,
  plainInfo,
  SUBGROUP_MATRIX_FEATURE,
} from './subgroup-matrix';
import {
  blockOf,
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
    expect(variants).toHaveLength(MATRIX_SHAPES.length);
    expect(variants.map(variantName)).toEqual(
      expect.arrayContaining(['f16-sm16x16x16-t4x4-wg32-acc32', 'f16-sm16x16x16-t4x4-direct-wg32-acc32']),
    );
    // wgX is the subgroup size. One-subgroup shapes fit WebGPU's guaranteed limits; cooperative ones
    // an H200's (48 KiB of workgroup memory, 1,024 invocations), and the tuner skips them elsewhere.
    const h200 = { maxComputeInvocationsPerWorkgroup: 1024, maxComputeWorkgroupStorageSize: 49152 };
    for (const v of variants) {
      expect([v.wgX, v.wgY]).toEqual([32, 1]);
      const limits = v.subgroupMatrix!.subgroupsM === undefined ? DEFAULT_LIMITS : h200;
      expect(validateParams(v, limits)).toEqual([]);
    }
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

describe("subgroup matrices: Dawn's adapter info", () => {
  // Dawn's objects keep their fields in prototype getters, and a sequence may be an array-like.
  class Config {
    get componentType() {
      return 'f16';
    }
    get resultComponentType() {
      return 'f32';
    }
    get M() {
      return 16;
    }
    get N() {
      return 16;
    }
    get K() {
      return 16;
    }
  }
  class Info {
    get subgroupMinSize() {
      return 32;
    }
    get subgroupMaxSize() {
      return 32;
    }
    get subgroupMatrixConfigs() {
      return { length: 1, 0: new Config() };
    }
  }

  it('reads the configurations from getters and array-likes', () => {
    const info = plainInfo(new Info() as unknown as Record<string, unknown>);
    expect(info).toEqual({
      subgroupMinSize: 32,
      subgroupMaxSize: 32,
      subgroupMatrixConfigs: [{ componentType: 'f16', resultComponentType: 'f32', M: 16, N: 16, K: 16 }],
    });
    expect(matrixInfo({ features: nvidia.features, adapterInfo: info })).toEqual({
      configs: [{ m: 16, n: 16, k: 16 }],
      subgroupSize: 32,
    });
    expect(plainInfo(undefined)).toEqual({});
    expect(plainInfo({ subgroupMinSize: 8, subgroupMaxSize: 8 })).toEqual({
      subgroupMinSize: 8,
      subgroupMaxSize: 8,
      subgroupMatrixConfigs: [],
    });
  });
});

describe('subgroup matrices: the kernel', () => {
  const v = matrixVariant({ m: 16, n: 16, k: 16, tilesM: 4, tilesN: 2 }, 32);

  it('is a valid f16-data, f32-accumulation variant within the workgroup memory it needs', () => {
    expect(validateParams(v, { ...DEFAULT_LIMITS, maxComputeWorkgroupStorageSize: 32768 })).toEqual([]);
    // A 64×16 and a 16×32 block of f16, one 16×16 f32 result on its way to C.
    expect(workgroupMemoryBytes(v)).toBe((64 * 16 + 16 * 32) * 2 + 16 * 16 * 4);
    expect(validateParams({ ...v, wgY: 2 }).join()).toMatch(/rows 1, cols 4 and wgY 1/);
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
    expect(code).toMatch(/var<workgroup> tileC: array<f32, 256>;/);
    // left: k columns × m rows; right: n columns × k rows; result: n columns × m rows.
    expect(code.match(/subgroup_matrix_left<f16, 16, 16>, row_major>\(&tileA, \d+u, 16u\)/g)).toHaveLength(4);
    expect(code.match(/subgroup_matrix_right<f16, 16, 16>, row_major>\(&tileB, \d+u, 32u\)/g)).toHaveLength(
      2,
    );
    expect(code.match(/= subgroupMatrixMultiplyAccumulate\(left\d, right\d, acc_\d_\d\);/g)).toHaveLength(8);
    expect(code.match(/var acc_\d_\d = subgroup_matrix_result<f32, 16, 16>\(\);/g)).toHaveLength(8);
    // The third left matrix starts 32 rows down the staged A; the second right one 16 columns in.
    expect(code).toMatch(/let left2 = subgroupMatrixLoad<[^>]+>, row_major>\(&tileA, 512u,/);
    expect(code).toMatch(/let right1 = subgroupMatrixLoad<[^>]+>, row_major>\(&tileB, 16u,/);
    // Each result through a 16×16 of workgroup memory, to rows 32.. and columns 16.. of the block.
    expect(code).toMatch(/subgroupMatrixStore<row_major>\(&tileC, 0u, acc_2_1, 16u\);/);
    expect(code).toMatch(/let r = row0 \+ 32u \+ e \/ 16u;\n {4}let col = col0 \+ 16u \+ e % 16u;/);
    expect(code).toMatch(/@workgroup_size\(32, 1\)/);
    expect(code).not.toMatch(/&a,|&b,/);
  });

  it('direct: a block inside C loads from the storage buffers, the others stage', () => {
    const d = matrixVariant({ m: 16, n: 16, k: 16, tilesM: 2, tilesN: 2, direct: true }, 32);
    expect(variantName(d)).toBe('f16-sm16x16x16-t2x2-direct-wg32-acc32');
    const code = generateMatmulWgsl(d, 'vec4');
    expect(code).toMatch(
      /let whole = row0 \+ 32u <= dims.M && col0 \+ 32u <= dims.N && dims.K % 16u == 0u && dims.N % 8u == 0u;\n {2}if \(whole\) \{/,
    );
    expect(code).toMatch(
      /subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>\(&a, \(row0 \+ 16u\) \* dims.K \+ t, dims.K\)/,
    );
    expect(code).toMatch(
      /subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, row_major>\(&b, t \* dims.N \+ col0 \+ 16u, dims.N\)/,
    );
    expect(code).toMatch(/\} else \{\n {4}for \(var t = 0u; t < dims.K; t \+= 16u\)/);
  });
});

describe('subgroup matrices: the cooperative kernel', () => {
  const shape = { m: 16, n: 16, k: 16, tilesM: 2, tilesN: 2, subgroupsM: 2, subgroupsN: 2, stageK: 2 };
  const v = matrixVariant({ ...shape, prefetch: true }, 32);

  it('is named, sized and validated by its workgroup of subgroups', () => {
    expect(variantName(v)).toBe('f16-sm16x16x16-t2x2-s2x2-k32-pf-wg32-acc32');
    expect(blockOf(v)).toEqual({ rows: 64, cols: 64 });
    // A 64×32 and a 32×64 block of f16, rows padded by 8; one 16×16 f32 result per subgroup.
    expect(workgroupMemoryBytes(v)).toBe((64 * 40 + 32 * 72) * 2 + 4 * 16 * 16 * 4);
    expect(validateParams(v, DEFAULT_LIMITS)).toEqual([]);
    const eight = matrixVariant({ ...shape, subgroupsM: 4, subgroupsN: 4, prefetch: true }, 32);
    expect(validateParams(eight, DEFAULT_LIMITS).join()).toMatch(
      /16 subgroups of 32 exceeds 256 invocations/,
    );
    expect(
      validateParams(eight, {
        maxComputeInvocationsPerWorkgroup: 1024,
        maxComputeWorkgroupStorageSize: 49152,
      }),
    ).toEqual([]);
    const half = { ...v, subgroupMatrix: { ...shape } };
    expect(validateParams(half).join()).toMatch(/all four or none, and not with direct/);
    const direct = { ...v, subgroupMatrix: { ...v.subgroupMatrix!, direct: true } };
    expect(validateParams(direct).join()).toMatch(/not with direct/);
    const deep = { ...v, subgroupMatrix: { ...v.subgroupMatrix!, stageK: 3 } };
    expect(validateParams(deep).join()).toMatch(/stageK of 1, 2 or 4/);
  });

  it('stages blocks of A and B in vec4s shared by the subgroups, each at its own offset', () => {
    const code = generateMatmulWgsl(v, 'vec4');
    expect(code).toMatch(
      /^diagnostic\(off, chromium\.subgroup_matrix_uniformity\);\nenable f16;\nenable subgroups;\nenable chromium_experimental_subgroup_matrix;\n/,
    );
    expect(code).toMatch(/var<storage, read> a: array<vec4<f16>>;/);
    expect(code).toMatch(/@workgroup_size\(128, 1\)/);
    expect(code).toMatch(/var<workgroup> tileA: array<f16, 2560>;/); // 64 rows of 32 + 8
    expect(code).toMatch(/var<workgroup> tileB: array<f16, 2304>;/); // 32 rows of 64 + 8
    expect(code).toMatch(/var<workgroup> tileC: array<f32, 1024>;/);
    // Subgroup 3 of 2×2 takes rows 32.. and columns 32.. of the block.
    expect(code).toMatch(/let sgRow = \(sg \/ 2u\) \* 32u;\n {2}let sgCol = \(sg % 2u\) \* 32u;/);
    // 512 vec4s of A a stage, four per invocation; the next stage fetched before the multiplies.
    expect(code.match(/ pa\d = quadA\(row0, t \+ 32u, li \+ \d+u\);/g)).toHaveLength(4);
    expect(code.indexOf('quadA(row0, t + 32u')).toBeLessThan(
      code.indexOf('subgroupMatrixMultiplyAccumulate'),
    );
    // Two k-steps of 16 per stage: the second's left matrices 16 columns in, right ones 16 rows down.
    expect(code).toMatch(/let left1 = subgroupMatrixLoad<[^>]+>, row_major>\(&tileA, aAt \+ 656u, 40u\);/);
    expect(code).toMatch(/let right1 = subgroupMatrixLoad<[^>]+>, row_major>\(&tileB, bAt \+ 1168u, 72u\);/);
    expect(code.match(/subgroupMatrixMultiplyAccumulate/g)).toHaveLength(8);
    expect(code).toMatch(/subgroupMatrixStore<row_major>\(&tileC, cAt, acc_1_1, 16u\);/);
    // Without prefetch, each stage is fetched and kept in turn.
    const plain = generateMatmulWgsl(matrixVariant({ ...shape, prefetch: false }, 32), 'vec4');
    expect(plain).not.toMatch(/t \+ 32u < dims.K/);
    expect(plain).toMatch(/pa0 = quadA\(row0, t, li \+ 0u\);/);
  });
});
