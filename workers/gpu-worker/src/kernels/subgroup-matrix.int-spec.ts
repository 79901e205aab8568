import { create, globals } from 'webgpu';
import { MATRIX_SHAPES, matrixVariant } from './subgroup-matrix';
import { generateMatmulWgsl, MatmulParams, SubgroupMatrixShape, validateParams, variantName } from './wgsl';

// The subgroup-matrix kernels need matrix units this machine's lavapipe does not have, so no
// adapter here runs them; Dawn's null backend offers the feature (with allow_unsafe_apis) and puts
// every shader through Dawn's own WGSL front end (Tint: parsing, types, uniformity) and its
// pipeline validation. That is what this checks, for every configuration a GPU reports and every
// shape the tuner or the sweep builds: that it compiles, with no warning either, since Dawn prints
// each warning on stdout. Whether a kernel multiplies right is for the autotuner's float64 and
// Freivalds checks on the GPU itself.
const CONFIGS: Pick<SubgroupMatrixShape, 'm' | 'n' | 'k'>[] = [
  { m: 16, n: 16, k: 16 }, // NVIDIA
  { m: 16, n: 8, k: 16 },
  { m: 16, n: 8, k: 8 },
  { m: 8, n: 8, k: 8 }, // Apple, Intel
];
const PAIRS = [
  [1, 1],
  [2, 4],
  [4, 2],
  [4, 4],
] as const;
const LAYOUTS = [
  [1, 1],
  [2, 2],
  [4, 2],
  [2, 4],
  [4, 4],
] as const;
const COOPERATIVE = PAIRS.flatMap(([tilesM, tilesN]) =>
  LAYOUTS.flatMap(([subgroupsM, subgroupsN]) =>
    [1, 4].flatMap((stageK) =>
      [true, false].map((prefetch) => ({ tilesM, tilesN, subgroupsM, subgroupsN, stageK, prefetch })),
    ),
  ),
);

describe("subgroup-matrix kernels in Dawn's WGSL front end (its null backend)", () => {
  // Kept for the whole file: a collected instance under a live device crashes the process.
  let gpu: GPU;
  let device: GPUDevice;
  // A matrix kernel's workgroup is a multiple of the largest subgroup (128 on the null backend).
  let subgroupSize = 32;

  beforeAll(async () => {
    Object.assign(globalThis, globals);
    gpu = create(['backend=null', 'enable-dawn-features=allow_unsafe_apis']);
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error("Dawn's null backend offered no adapter");
    subgroupSize = (adapter.info as GPUAdapterInfo & { subgroupMaxSize: number }).subgroupMaxSize;
    device = await adapter.requestDevice({
      requiredFeatures: [
        'shader-f16',
        'subgroups',
        'chromium-experimental-subgroup-matrix',
      ] as GPUFeatureName[],
      requiredLimits: {
        maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
      },
    });
  });
  afterAll(() => device?.destroy());

  /** Dawn's messages for the module, and its pipeline's validation error, if any. */
  async function compile(code: string): Promise<string[]> {
    const module = device.createShaderModule({ code });
    const messages = (await module.getCompilationInfo()).messages.map(
      (m) => `${m.type} ${m.lineNum}:${m.linePos} ${m.message.split('\n')[0]}`,
    );
    if (messages.some((m) => m.startsWith('error'))) return messages;
    device.pushErrorScope('validation');
    device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const error = await device.popErrorScope();
    return error ? [...messages, `pipeline: ${error.message}`] : messages;
  }

  const variants = (): MatmulParams[] =>
    CONFIGS.flatMap((c) =>
      [...MATRIX_SHAPES, ...COOPERATIVE].map((shape) => matrixVariant({ ...c, ...shape }, subgroupSize)),
    );

  it('sees a warning where there is one (the col_major argument Dawn deprecated)', async () => {
    const code = generateMatmulWgsl(variants()[0]!, 'vec4').replace(
      /subgroupMatrixLoad<([^>]+>), row_major>\(([^;]+), (\d+u)\);/,
      'subgroupMatrixLoad<$1>($2, false, $3);',
    );
    expect(await compile(code)).toEqual([expect.stringMatching(/^warning .*use of deprecated builtin/)]);
  });

  it('compiles every shape the tuner and the sweep build, with no warning', async () => {
    const limits = device.limits;
    const failed: string[] = [];
    let compiled = 0;
    for (const p of variants()) {
      if (validateParams(p, limits).length > 0) continue; // beyond this device's limits
      const messages = await compile(generateMatmulWgsl(p, 'vec4'));
      compiled++;
      if (messages.length > 0) failed.push(`${variantName(p)}: ${messages.join('; ')}`);
    }
    expect(failed).toEqual([]);
    // Every configuration's tuned shapes, and the cooperative ones within the limits.
    expect(compiled).toBeGreaterThan(CONFIGS.length * MATRIX_SHAPES.length);
  });
});
