import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FALLBACK_NAME, tunedMatmul } from '../challenge/tuned';
import { GpuContext, openGpu } from '../gpu/webgpu';
import { autotune, multiply, randomMatrix, tuningProgress, TuningStoppedError } from './autotune';
import { cacheKey, readCache, serializeCache, TUNING_FEATURES } from './autotune-cache';
import { measureBandwidth } from './bandwidth';
import { createMatrixBuffer, uploadMatrix } from './buffers';
import { seededRandom, wrongElements } from './freivalds';
import { createMatmul, UnsupportedFeatureError, UnsupportedPrecisionError, unsupportedOn } from './matmul';
import { matrixVariant, matrixVariants, offerOf, SUBGROUP_MATRIX_FEATURE } from './subgroup-matrix';
import { likelyFirst } from './tuning-order';
import { DEFAULT_VARIANTS, VARIANTS } from './variants';
import { variantName } from './wgsl';

// On the machine's real adapter (Mesa lavapipe without a GPU), no mocks: every variant of the
// family, on shapes that are not square and not multiples of any tile, against float64.
const SHAPES: [m: number, n: number, k: number][] = [
  [1, 1, 1],
  [37, 53, 19], // scalar path: N and K odd
  [130, 70, 257], // scalar path, several tiles with ragged edges
  [64, 64, 64],
  [68, 132, 36], // vec4 path with ragged edges in M and N
];

describe('matmul kernels on the real adapter', () => {
  let gpu: GpuContext;
  let f16: boolean;

  beforeAll(async () => {
    gpu = await openGpu();
    f16 = gpu.device.features.has('shader-f16');
  });
  afterAll(() => gpu?.close());

  it.each([...VARIANTS.f32, ...VARIANTS.f16].map((p) => [variantName(p), p] as const))(
    '%s multiplies every shape right',
    async (_, params) => {
      if (params.precision === 'f16' && !f16) {
        await expect(createMatmul(gpu.device, { precision: 'f16', variant: params })).rejects.toThrow(
          UnsupportedPrecisionError,
        );
        return;
      }
      // Lavapipe has subgroups (of 8 lanes), so the subgroup variants run here; elsewhere they
      // must be refused before compiling, not fail in the shader.
      if (unsupportedOn(gpu.device, params)) {
        await expect(
          createMatmul(gpu.device, { precision: params.precision, variant: params }),
        ).rejects.toThrow(UnsupportedFeatureError);
        return;
      }
      const matmul = await createMatmul(gpu.device, { precision: params.precision, variant: params });
      try {
        const random = seededRandom(11);
        for (const [m, n, k] of SHAPES) {
          const a = randomMatrix(m * k, random);
          const b = randomMatrix(k * n, random);
          const c = await multiply(gpu.device, matmul, a, b, m, n, k);
          const wrong = wrongElements({
            a,
            b,
            c,
            m,
            n,
            k,
            precision: params.precision,
            accumulate: params.accumulate,
          });
          expect({ shape: `${m}x${n}x${k}`, ...wrong }).toEqual({
            shape: `${m}x${n}x${k}`,
            count: 0,
            examples: [],
          });
        }
      } finally {
        matmul.destroy();
      }
    },
  );

  it('runs subgroup-matrix variants only where the adapter has matrix units, and refuses them before compiling elsewhere', async () => {
    const offered = matrixVariants(offerOf(gpu.device));
    const hasUnits = gpu.device.features.has(SUBGROUP_MATRIX_FEATURE as GPUFeatureName);
    // Lavapipe has none (and Dawn offers the feature only with allow_unsafe_apis).
    if (!hasUnits) expect(offered).toEqual([]);
    const wanted = matrixVariant({ m: 16, n: 16, k: 16, tilesM: 2, tilesN: 2 }, 32);
    for (const variant of hasUnits ? offered : [wanted]) {
      if (!hasUnits || !f16) {
        await expect(createMatmul(gpu.device, { precision: 'f16', variant })).rejects.toThrow(
          f16 ? UnsupportedFeatureError : UnsupportedPrecisionError,
        );
        continue;
      }
      const matmul = await createMatmul(gpu.device, { precision: 'f16', variant });
      try {
        const random = seededRandom(13);
        for (const [m, n, k] of SHAPES) {
          const a = randomMatrix(m * k, random);
          const b = randomMatrix(k * n, random);
          const c = await multiply(gpu.device, matmul, a, b, m, n, k);
          const wrong = wrongElements({ a, b, c, m, n, k, precision: 'f16', accumulate: 'f32' });
          expect({ variant: variantName(variant), shape: `${m}x${n}x${k}`, count: wrong.count }).toEqual({
            variant: variantName(variant),
            shape: `${m}x${n}x${k}`,
            count: 0,
          });
        }
      } finally {
        matmul.destroy();
      }
    }
  });

  it('refuses shapes and buffers that do not fit, before touching the GPU', async () => {
    const matmul = await createMatmul(gpu.device, { precision: 'f32' });
    const small = createMatrixBuffer(gpu.device, 16, 'f32');
    const big = uploadMatrix(gpu.device, new Float32Array(64 * 64), 'f32');
    try {
      await expect(matmul.run(big, big, big, 0, 8, 8)).rejects.toThrow(/M must be a positive integer/);
      await expect(matmul.run(big, big, small, 64, 64, 64)).rejects.toThrow(
        /buffer C holds 64 bytes, needs 16384/,
      );
    } finally {
      for (const buffer of [small, big]) buffer.destroy();
      matmul.destroy();
    }
  });

  it('autotunes to a correct variant and caches the choice per adapter', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gpux-autotune-'));
    const cachePath = join(dir, 'autotune.json');
    const variants = [VARIANTS.f32[0]!, VARIANTS.f32[2]!, VARIANTS.f32.find((p) => p.source === 'texture')!];
    try {
      const first = await autotune(gpu.device, {
        precision: 'f32',
        adapter: gpu.adapter,
        size: 96,
        cachePath,
        variants,
      });
      expect(first.fromCache).toBe(false);
      expect(variants.map(variantName)).toContain(first.variant.name);
      expect(first.results).toHaveLength(3);
      for (const r of first.results) expect(r).toMatchObject({ correct: true, gflops: expect.any(Number) });
      expect(first.gflops).toBe(Math.max(...first.results.map((r) => r.gflops ?? 0)));

      // Kept under its size: a choice at 96 is not the one at the default 512.
      const cached = (await readCache(cachePath)).entries[cacheKey(gpu.adapter, 'f32', undefined, 96)];
      expect((await readCache(cachePath)).entries[cacheKey(gpu.adapter, 'f32')]).toBeUndefined();
      expect(cached).toMatchObject({ variant: first.variant.name, size: 96, gflops: first.gflops });

      const again = await autotune(gpu.device, {
        precision: 'f32',
        adapter: gpu.adapter,
        size: 96,
        cachePath,
        variants,
      });
      expect(again).toMatchObject({ fromCache: true, results: [] });
      expect(again.variant).toEqual(first.variant);

      // A choice made among fewer candidates than this device offers (before a Dawn toggle such
      // as allow_unsafe_apis added some) is tuned again.
      const file = await readCache(cachePath);
      const key = cacheKey(gpu.adapter, 'f32', undefined, 96);
      const offered = TUNING_FEATURES.filter((f) => gpu.device.features.has(f));
      expect(offered.length).toBeGreaterThan(0);
      expect(file.entries[key]?.offered).toEqual(offered);
      file.entries[key] = { ...file.entries[key]!, offered: offered.slice(1) };
      await writeFile(cachePath, serializeCache(file));
      const widened = await autotune(gpu.device, {
        precision: 'f32',
        adapter: gpu.adapter,
        size: 96,
        cachePath,
        variants,
      });
      expect(widened.fromCache).toBe(false);
      expect((await readCache(cachePath)).entries[key]?.offered).toEqual(offered);

      const retuned = await autotune(gpu.device, {
        precision: 'f32',
        adapter: gpu.adapter,
        size: 96,
        cachePath,
        variants,
        retune: true,
      });
      expect(retuned.fromCache).toBe(false);
      expect(retuned.results).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a tuning stopped by its signal (a spot check to answer) takes the fastest measured so far, caches nothing and goes on from there later; without any measured, the default variant answers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gpux-autotune-'));
    const cachePath = join(dir, 'autotune.json');
    const variants = [VARIANTS.f32[0]!, VARIANTS.f32[2]!, VARIANTS.f32.find((p) => p.source === 'texture')!];
    try {
      // Stopped as the second candidate is measured: that one finishes, the third is never begun.
      const stop = new AbortController();
      const progress = tuningProgress();
      const stopped = await autotune(gpu.device, {
        precision: 'f32',
        adapter: gpu.adapter,
        size: 96,
        cachePath,
        variants,
        onProgress: (m) => void (m.startsWith('f32 2/3') && stop.abort()),
        signal: stop.signal,
        resume: progress,
      });
      expect(stopped).toMatchObject({ stopped: true, fromCache: false });
      // Its choice still compiled: the check waiting for it does not wait for a compile again.
      expect(stopped.matmul?.variant.name).toBe(stopped.variant.name);
      stopped.matmul?.destroy();
      // In the order they are tuned in: the likely winners on this adapter first (tuning-order.ts).
      const order = likelyFirst(variants, gpu.adapter).map(variantName);
      expect(stopped.results.map((r) => r.variant)).toEqual(order.slice(0, 2));
      expect(stopped.gflops).toBe(Math.max(...stopped.results.map((r) => r.gflops ?? 0)));
      expect((await readCache(cachePath)).entries).toEqual({});

      // Going on from what it measured (the next spot check would otherwise start it over): only the
      // third candidate is measured now, and the choice, among all three, is cached.
      const measuredNow: string[] = [];
      const resumed = await autotune(gpu.device, {
        precision: 'f32',
        adapter: gpu.adapter,
        size: 96,
        cachePath,
        variants,
        onProgress: (m) => void (/^f32 \d\/3 /.test(m) && measuredNow.push(m.slice(0, 7))),
        resume: progress,
      });
      expect(measuredNow).toEqual(['f32 3/3']);
      expect(resumed.stopped).toBeUndefined();
      expect(resumed.results.map((r) => r.variant)).toEqual(order);
      expect(resumed.gflops).toBe(Math.max(...resumed.results.map((r) => r.gflops ?? 0)));
      expect((await readCache(cachePath)).entries[cacheKey(gpu.adapter, 'f32', undefined, 96)]).toMatchObject(
        {
          variant: resumed.variant.name,
        },
      );
      await rm(cachePath);

      // Stopped before any candidate: nothing to choose from; the challenge kernel is the default
      // variant, compiled but untimed, not the fallback kept for a tuning that found nothing.
      const options = { precision: 'f32' as const, adapter: gpu.adapter, size: 96, cachePath, variants };
      await expect(autotune(gpu.device, { ...options, signal: AbortSignal.abort() })).rejects.toThrow(
        TuningStoppedError,
      );
      const untuned = await tunedMatmul(gpu.device, gpu.adapter, {
        cachePath,
        size: 96,
        signal: AbortSignal.abort(),
      });
      untuned.destroy();
      expect(untuned).toMatchObject({
        variant: variantName(DEFAULT_VARIANTS.f32),
        gflops: null,
        stopped: true,
        fromCache: false,
      });

      // A cached choice answers even a stopped tuning: the cache is read first.
      const tuned = await autotune(gpu.device, options);
      expect(tuned.stopped).toBeUndefined();
      expect(await autotune(gpu.device, { ...options, signal: AbortSignal.abort() })).toMatchObject({
        fromCache: true,
        variant: { name: tuned.variant.name },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the tuned choice when the cache cannot be written, and says so once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gpux-autotune-'));
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const cachePath = join(file, 'autotune.json');
    const warnings: string[] = [];
    const options = {
      precision: 'f32' as const,
      adapter: gpu.adapter,
      size: 64,
      cachePath,
      variants: [VARIANTS.f32[0]!],
      onWarning: (m: string) => void warnings.push(m),
    };
    try {
      const first = await autotune(gpu.device, options);
      expect(first).toMatchObject({ fromCache: false, variant: { name: variantName(VARIANTS.f32[0]!) } });
      const again = await autotune(gpu.device, options);
      expect(again.fromCache).toBe(false);
      // join's kernel: the tuned one, not the fallback kept for a tuning that found nothing.
      const tuned = await tunedMatmul(gpu.device, gpu.adapter, {
        cachePath,
        size: 64,
        onWarning: (m) => void warnings.push(m),
      });
      tuned.destroy();
      expect(tuned).toMatchObject({ fromCache: false, gflops: expect.any(Number) });
      expect(tuned.variant).not.toBe(FALLBACK_NAME);
      expect(warnings).toEqual([
        expect.stringMatching(
          `^cannot write the autotune cache ${cachePath} \\(${file} is a file, not a folder\\): the tuned choice is used`,
        ),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('measures memory bandwidth over a buffer whose every element arrived', async () => {
    const result = await measureBandwidth(gpu.device, { bytes: 8 << 20, runs: 2 });
    expect(result).toMatchObject({ bytes: 8 << 20, verified: true, wrong: 0 });
    expect(result.gbps).toBeGreaterThan(0);
  });
});
