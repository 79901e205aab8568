/**
 * `gpu-worker benchmark`: autotune per precision, then GFLOP/s of the chosen variant at each size
 * and the memory bandwidth. Every figure is reported only after its result passed a check
 * (Freivalds for products, every element for the copy); a failed check reports no figure.
 */
import type { GpuContext } from '../gpu/webgpu';
import { autotune, randomMatrix, VariantResult } from '../kernels/autotune';
import { measureBandwidth } from '../kernels/bandwidth';
import { createMatrixBuffer, readMatrix, roundTo, uploadMatrix } from '../kernels/buffers';
import { freivalds, seededRandom } from '../kernels/freivalds';
import { createMatmul, Matmul } from '../kernels/matmul';
import { gflops, timeGpu } from '../kernels/timing';
import { F16_CERTIFIED_TIER, F16_CERTIFIED_VARIANTS } from '../kernels/variants';
import type { Precision } from '../kernels/wgsl';
import { efficiency, findModel, GpuModel } from '@gpux/certification';
import type { BenchmarkOptions } from './options';

export interface SizeResult {
  n: number;
  gflops: number | null;
  ms: number | null;
  verified: boolean;
  /** Share of the model's peak (0–1), when the model is known. */
  efficiency?: number;
  error?: string;
}

export interface PrecisionResult {
  precision: Precision;
  /** f16: the figure is of the variants that accumulate in f32, the ones f16 certification runs. */
  accumulate?: 'f32';
  variant: string;
  fromCache: boolean;
  tunedGflops: number;
  tunedAtSize: number;
  candidates: VariantResult[];
  sizes: SizeResult[];
}

export interface BenchmarkReport {
  adapter: GpuContext['adapter'];
  /** Absent when no --model was given; `known: false` when the name is not in the table. */
  model?: { name: string; known: boolean; peakTflops?: Record<Precision, number>; note: string };
  precisions: PrecisionResult[];
  skipped: { precision: Precision; reason: string }[];
  bandwidth: { bytes: number; gbps: number | null; verified: boolean; error?: string };
  ok: boolean;
}

export interface RunOptions extends BenchmarkOptions {
  /** Autotune cache file; undefined: the default one. */
  cachePath?: string;
  /** Only these precisions (bench:certify sizes one claim at a time); absent: every one. */
  only?: Precision[];
}

/**
 * Each of a size's five timed samples runs the product for at least this long (as many times as
 * that takes, in one submission, so the submission's own cost is spread over many products, as in
 * a challenge's full queue). With 20 ms samples (one or two products at n = 512 on lavapipe) the
 * figure of one kernel read 9 to 25 GFLOP/s within one run of bench:certify while its challenges
 * ran at 14–15; with 250 ms samples it read 16.7–19.5 on the same host (bench/README.md,
 * `## certify`).
 */
export const BENCHMARK_SAMPLE_MS = 250;

async function measureSize(
  device: GPUDevice,
  matmul: Matmul,
  n: number,
  model: GpuModel | undefined,
): Promise<SizeResult> {
  const precision = matmul.variant.precision;
  const random = seededRandom(n * 7919);
  const a = randomMatrix(n * n, random);
  const b = randomMatrix(n * n, random);
  const buffers = [
    uploadMatrix(device, a, precision),
    uploadMatrix(device, b, precision),
    createMatrixBuffer(device, n * n, precision),
  ] as const;
  try {
    const [bufA, bufB, bufC] = buffers;
    const timing = await timeGpu(device, (encoder) => matmul.encode(encoder, bufA, bufB, bufC, n, n, n), {
      runs: 5,
      minSampleMs: BENCHMARK_SAMPLE_MS,
    });
    const c = await readMatrix(device, bufC, n * n, precision);
    const check = freivalds(
      {
        a: roundTo(a, precision),
        b: roundTo(b, precision),
        c,
        m: n,
        n,
        k: n,
        precision,
        accumulate: matmul.variant.accumulate,
      },
      random,
    );
    if (!check.ok)
      return {
        n,
        gflops: null,
        ms: null,
        verified: false,
        error: `Freivalds check failed: ${check.badRows} of ${n} rows off`,
      };
    const rate = gflops(matmul.flops(n, n, n), timing.ms);
    return {
      n,
      gflops: rate,
      ms: timing.ms,
      verified: true,
      ...(model ? { efficiency: efficiency(rate, model, precision) } : {}),
    };
  } finally {
    for (const buffer of buffers) buffer.destroy();
  }
}

export async function runBenchmark(
  gpu: GpuContext,
  options: RunOptions,
  progress: (message: string) => void,
): Promise<BenchmarkReport> {
  const { device, adapter } = gpu;
  const model = options.model ? findModel(options.model) : undefined;
  const precisions: Precision[] = ['f32'];
  const skipped: BenchmarkReport['skipped'] = [];
  if (device.features.has('shader-f16')) precisions.push('f16');
  else skipped.push({ precision: 'f16', reason: 'the adapter has no shader-f16 feature' });

  const results: PrecisionResult[] = [];
  for (const precision of precisions.filter((p) => !options.only || options.only.includes(p))) {
    progress(`autotuning ${precision} matmul on ${adapter.description || adapter.device}`);
    // f16: among the variants that accumulate in f32, the only ones an f16 challenge may use, and
    // under the same cache entry as the challenges' kernel: the f16 figure is one the node can
    // certify, measured with the kernel its challenges run.
    const tier = precision === 'f16' ? { variants: F16_CERTIFIED_VARIANTS, tier: F16_CERTIFIED_TIER } : {};
    const tuned = await autotune(device, {
      precision,
      adapter,
      ...tier,
      retune: options.retune,
      ...(options.tuneSize === undefined ? {} : { size: options.tuneSize }),
      cachePath: options.cachePath,
      onProgress: progress,
    });
    progress(`${precision}: chose ${tuned.variant.name}`);
    const matmul = await createMatmul(device, { precision, variant: tuned.variant });
    const sizes: SizeResult[] = [];
    try {
      for (const n of options.sizes) {
        progress(`${precision} n=${n}: timing ${tuned.variant.name}`);
        const result = await measureSize(device, matmul, n, model);
        progress(
          `${precision} n=${n}: ${result.gflops === null ? result.error : `${result.gflops.toFixed(2)} GFLOP/s, verified`}`,
        );
        sizes.push(result);
      }
    } finally {
      matmul.destroy();
    }
    results.push({
      precision,
      ...(precision === 'f16' ? { accumulate: 'f32' as const } : {}),
      variant: tuned.variant.name,
      fromCache: tuned.fromCache,
      tunedGflops: tuned.gflops,
      tunedAtSize: tuned.size,
      candidates: tuned.results,
      sizes,
    });
  }

  progress('measuring memory bandwidth');
  const bw = await measureBandwidth(device);
  const bandwidth = bw.verified
    ? { bytes: bw.bytes, gbps: bw.gbps, verified: true }
    : { bytes: bw.bytes, gbps: null, verified: false, error: `${bw.wrong} elements wrong after the copy` };

  const ok = bandwidth.verified && results.every((p) => p.sizes.every((s) => s.verified));
  return {
    adapter,
    ...(options.model
      ? {
          model: model
            ? { name: model.name, known: true, peakTflops: model.peakTflops, note: model.note }
            : {
                name: options.model,
                known: false,
                note: 'not in the table of known peaks: efficiency omitted',
              },
        }
      : {}),
    precisions: results,
    skipped,
    bandwidth,
    ok,
  };
}
