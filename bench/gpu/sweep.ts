/**
 * A kernel-shape sweep for a lent GPU (bench/gpu/device-check.sh runs it there): the autotuner's
 * own compile, float64 check, Freivalds check and timing (kernels/autotune.ts), over a grid of
 * register blocks, workgroup sizes and tile depths wider than the tuned family (variants.ts),
 * within the device's limits, at one size, in f32 and, where the adapter has shader-f16, f16
 * accumulated in f32 with subgroup-matrix shapes beside the tuner's. It says which shapes a GPU
 * rewards, so the family the tuner chooses from can follow measurements instead of guesses. Not a
 * `npm run bench:*`: on lavapipe the grid takes long to lose. Locally: `bash bench/run.sh gpu/sweep`.
 *
 * - BENCH_SWEEP_SIZE: the square size n (default 4096).
 * - BENCH_SWEEP_SECONDS: each precision's time budget (default 100), checked between chunks of
 *   CHUNK candidates, so a chunk begun within it runs to its end.
 * - BENCH_SWEEP_PRECISIONS: f32,f16 (default), or one of them.
 * - BENCH_SWEEP_ONLY: a regular expression over the candidates' names (below).
 * - GPUX_DAWN_TOGGLES: as the worker takes them.
 *
 * Prints one line per candidate on stderr, and after each chunk a JSON line on stdout with every
 * figure so far (the last is the whole sweep, and what a run cut short keeps): the device's limits
 * and matrix configurations, and each precision's candidates fastest first (GFLOP/s, rounded).
 */
import { autotune, VariantResult } from '../../workers/gpu-worker/src/kernels/autotune';
import {
  matrixInfo,
  matrixVariant,
  matrixVariants,
  offerOf,
  plainInfo,
} from '../../workers/gpu-worker/src/kernels/subgroup-matrix';
import { VARIANTS } from '../../workers/gpu-worker/src/kernels/variants';
import {
  MatmulParams,
  Precision,
  validateParams,
  variantName,
} from '../../workers/gpu-worker/src/kernels/wgsl-params';
import { parseDawnToggles } from '../../workers/gpu-worker/src/gpu/toggles';
import { openGpu, useDawnToggles } from '../../workers/gpu-worker/src/gpu/webgpu';

const SIZE = Number(process.env['BENCH_SWEEP_SIZE'] ?? 4096);
const PRECISIONS = (process.env['BENCH_SWEEP_PRECISIONS'] ?? 'f32,f16').split(',').map((p) => p.trim());
/** Seconds each precision may take (the grid is cut there); candidates per autotune. */
const SECONDS = Number(process.env['BENCH_SWEEP_SECONDS'] ?? 100);
const CHUNK = 12;
/**
 * BENCH_SWEEP_ONLY: a regular expression; only the candidates it finds in their names are swept,
 * from every cooperative subgroup-matrix shape as well (e.g. "s4x2-k16-pf|t4x4-direct").
 */
const ONLY = process.env['BENCH_SWEEP_ONLY'] ? new RegExp(process.env['BENCH_SWEEP_ONLY']) : undefined;
const log = (msg: string) => process.stderr.write(`[sweep] ${msg}\n`);

/**
 * Cooperative subgroup-matrix shapes for each configuration: the H200's best first (65 TFLOP/s at
 * 4096: eight subgroups, one k-step a stage, prefetch), then neighbours, most not measured there
 * yet. Each: the result matrices of one subgroup, the subgroups of a workgroup, k-steps per
 * stage, prefetch.
 */
const COOPERATIVE = [
  [4, 2, 2, 4, 1, true],
  [2, 4, 4, 2, 1, true],
  [2, 4, 4, 4, 1, true],
  [4, 2, 4, 4, 1, true],
  [4, 4, 4, 2, 1, true],
  [4, 4, 2, 4, 1, true],
  [2, 2, 4, 4, 1, true],
  [4, 2, 2, 4, 2, true],
  [2, 4, 4, 2, 1, false],
  [4, 4, 2, 2, 2, true],
].map(([tilesM, tilesN, subgroupsM, subgroupsN, stageK, prefetch]) => ({
  tilesM: tilesM as number,
  tilesN: tilesN as number,
  subgroupsM: subgroupsM as number,
  subgroupsN: subgroupsN as number,
  stageK: stageK as number,
  prefetch: prefetch as boolean,
}));

/** Every cooperative shape, for BENCH_SWEEP_ONLY to choose from. */
function everyCooperative() {
  const pairs = [1, 2, 4].flatMap((x) => [1, 2, 4].map((y) => [x, y] as const));
  return pairs.flatMap(([tilesM, tilesN]) =>
    pairs.flatMap(([subgroupsM, subgroupsN]) =>
      [1, 2, 4].flatMap((stageK) =>
        [true, false].map((prefetch) => ({ tilesM, tilesN, subgroupsM, subgroupsN, stageK, prefetch })),
      ),
    ),
  );
}

/** Register blocks × workgroups × tile depths, staged single and double, plus untiled buffers. */
function grid(precision: Precision): MatmulParams[] {
  const out: MatmulParams[] = [];
  const blocks = [
    [4, 8],
    [8, 4],
    [8, 8],
    [8, 16],
    [16, 8],
  ] as const;
  const workgroups = [
    [8, 8],
    [16, 8],
    [8, 16],
    [16, 16],
    [32, 8],
    [8, 32],
  ] as const;
  const stagings = [
    ...[8, 16, 32].flatMap((tileK) => [
      { tileK, doubleBuffer: false },
      { tileK, doubleBuffer: true },
    ]),
    { tileK: 0 },
  ];
  for (const [rows, cols] of blocks)
    for (const [wgX, wgY] of workgroups)
      for (const staging of stagings)
        out.push({
          precision,
          accumulate: 'f32',
          source: 'buffer',
          rows,
          cols,
          wgX,
          wgY,
          aVec4: true,
          unroll: 1,
          ...staging,
        });
  return out;
}

async function main() {
  if (!Number.isInteger(SIZE) || SIZE < 1)
    throw new Error(
      `BENCH_SWEEP_SIZE must be a whole number of at least 1, not "${process.env['BENCH_SWEEP_SIZE']}"`,
    );
  if (!Number.isFinite(SECONDS) || SECONDS < 0)
    throw new Error(
      `BENCH_SWEEP_SECONDS must be a number of seconds, not "${process.env['BENCH_SWEEP_SECONDS']}"`,
    );
  if (PRECISIONS.length === 0 || PRECISIONS.some((p) => p !== 'f32' && p !== 'f16'))
    throw new Error(
      `BENCH_SWEEP_PRECISIONS must be f32, f16 or f32,f16, not "${process.env['BENCH_SWEEP_PRECISIONS']}"`,
    );
  const toggles = parseDawnToggles(process.env['GPUX_DAWN_TOGGLES'] ?? '', 'GPUX_DAWN_TOGGLES');
  if (!toggles.ok) throw new Error(toggles.error);
  useDawnToggles(toggles.toggles);
  const gpu = await openGpu();
  const { device } = gpu;
  const offer = offerOf(device);
  const info = matrixInfo(offer);
  log(
    `adapter: ${gpu.adapter.description || gpu.adapter.device}; features: ${[...offer.features].join(',')}`,
  );
  const limits = {
    maxComputeInvocationsPerWorkgroup: device.limits.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
  };
  log(`limits: ${JSON.stringify(limits)}; matrix configs: ${JSON.stringify(info)}`);
  // What Dawn reports about subgroup matrices, as the device and as its adapter say it.
  const raw = (device as GPUDevice & { adapterInfo?: Record<string, unknown> }).adapterInfo;
  const rawConfigs = raw?.['subgroupMatrixConfigs'];
  log(
    `device.adapterInfo.subgroupMatrixConfigs: ${typeof rawConfigs}, isArray ${Array.isArray(rawConfigs)}, ` +
      `${JSON.stringify(plainInfo(raw))}; the adapter's, as offered: ${JSON.stringify(offer.adapterInfo)}`,
  );
  const precisions = (
    offer.features.has('shader-f16') ? (['f32', 'f16'] as const) : (['f32'] as const)
  ).filter((p) => PRECISIONS.includes(p));
  if (precisions.length === 0)
    throw new Error(`this adapter runs none of ${PRECISIONS.join(',')} (f16 needs shader-f16)`);
  const results: Record<string, unknown> = {};
  const deadline = (seconds: number) => Date.now() + seconds * 1000;
  for (const precision of precisions) {
    // Subgroup-matrix shapes beside the tuner's, then the tuner's.
    const matrices =
      precision === 'f16' && info.subgroupSize !== undefined
        ? [
            // Workgroups of several subgroups sharing staged blocks (wgsl-matrix-cooperative.ts).
            ...info.configs.flatMap((c) =>
              (ONLY
                ? everyCooperative()
                : c.n === 16 && c.k === 16
                  ? COOPERATIVE
                  : COOPERATIVE.slice(0, 4)
              ).map((shape) => matrixVariant({ ...c, ...shape }, info.subgroupSize!)),
            ),
            ...info.configs.flatMap((c) =>
              [
                { tilesM: 2, tilesN: 4, direct: true },
                { tilesM: 4, tilesN: 1, direct: true },
                { tilesM: 1, tilesN: 4, direct: true },
                { tilesM: 2, tilesN: 2 },
                { tilesM: 4, tilesN: 2 },
              ].map((shape) => matrixVariant({ ...c, ...shape }, info.subgroupSize!)),
            ),
            ...matrixVariants(offer),
          ]
        : [];
    // Most telling first (matrix units, then the tuned family, then the grid), so a sweep cut short
    // by its time budget has measured what matters.
    const candidates = [...matrices, ...VARIANTS[precision], ...grid(precision)].filter(
      (p, i, all) =>
        (!ONLY || ONLY.test(variantName(p))) &&
        validateParams(p, device.limits).length === 0 &&
        all.findIndex((q) => variantName(q) === variantName(p)) === i,
    );
    log(`${precision}: ${candidates.length} candidates at n=${SIZE}`);
    const started = Date.now();
    const until = deadline(SECONDS);
    const measured: VariantResult[] = [];
    // In chunks, each its own autotune (compile, checks, rounds of timing), so the figures so far
    // are printed and kept when the time budget or the step's limit ends the sweep.
    for (let at = 0; at < candidates.length && Date.now() < until; at += CHUNK) {
      const chunk = candidates.slice(at, at + CHUNK);
      try {
        const tuned = await autotune(device, {
          precision,
          adapter: gpu.adapter,
          size: SIZE,
          retune: true,
          cachePath: null,
          variants: chunk,
          // The matrix shapes are in the list already: not again in every chunk.
          matrices: false,
          runs: 3,
          onProgress: log,
        });
        measured.push(...tuned.results);
      } catch (error) {
        log(`${precision} chunk at ${at}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const ranked = [...measured].sort((a, b) => (b.gflops ?? -1) - (a.gflops ?? -1));
      results[precision] = {
        seconds: Math.round((Date.now() - started) / 1000),
        measured: measured.length,
        of: candidates.length,
        ranked: ranked.map((r) => ({
          v: r.variant,
          g: r.gflops === null ? null : Math.round(r.gflops),
          ...(r.abandoned ? { abandoned: true } : {}),
          ...(r.error ? { error: r.error.slice(0, 600) } : {}),
        })),
      };
      process.stdout.write(`${JSON.stringify({ size: SIZE, limits, matrix: info, results })}\n`);
    }
  }
  gpu.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`[sweep] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
