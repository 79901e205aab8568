/**
 * Picks the fastest *correct* matmul variant for this adapter and precision, and remembers it.
 *
 * Every candidate is first checked against float64 on two small awkward shapes (one per code
 * path, neither a multiple of any tile), then timed on a square product whose result must pass
 * Freivalds. Wrong or failing variants are reported and never chosen. The timing samples are taken
 * in rounds across the candidates, and each candidate's figure is its median.
 */
import type { AdapterDescription } from '../gpu/webgpu';
import {
  cacheKey,
  DEFAULT_TUNE_SIZE,
  defaultCachePath,
  keepCache,
  readCache,
  TUNING_FEATURES,
} from './autotune-cache';
import { createMatrixBuffer, readMatrix, roundTo, uploadMatrix } from './buffers';
import { freivalds, seededRandom, wrongElements } from './freivalds';
import { createMatmul, Matmul, MatmulVariant, resolveVariant, unsupportedOn } from './matmul';
import { CPU_SAMPLE_MS, gflops, GPU_SAMPLE_MS, timeGpu } from './timing';
import { matrixVariants, offerOf } from './subgroup-matrix';
import { likelyFirst } from './tuning-order';
import { gpuShaped, VARIANTS } from './variants';
import { MatmulParams, Precision, validateParams, variantName } from './wgsl';

export interface AutotuneOptions {
  precision: Precision;
  adapter: AdapterDescription;
  /** Square size timed per variant (default 512); a choice is cached per size. */
  size?: number;
  /** Measure again even when the cache has a choice. */
  retune?: boolean;
  /** Cache file; default `defaultCachePath()`; null: neither read nor write one. */
  cachePath?: string | null;
  variants?: MatmulParams[];
  /** A name for `variants` when they are a subset: the choice is cached under its own key. */
  tier?: string;
  /**
   * Add the device's subgroup-matrix variants to f16 candidates that all accumulate in f32
   * (default true); false: the candidates are `variants` alone (a sweep that lists its own).
   */
  matrices?: boolean;
  runs?: number;
  onProgress?: (message: string) => void;
  /**
   * Said once per cache file when it cannot be written (the tuned choice is used anyway); default:
   * a `gpu-worker:` line on stderr.
   */
  onWarning?: (message: string) => void;
  /**
   * Stops the tuning soon (a spot check came: its deadline runs): once it aborts no candidate is
   * started, timed or sampled again (one being compiled or checked is left there, measured when the
   * tuning goes on). The fastest correct candidate measured so far is chosen, `stopped` and not
   * cached (TuningStoppedError when none was). The cache is still read first, so a cached choice
   * answers even when it has already aborted.
   */
  signal?: AbortSignal;
  /**
   * What the tuning has measured, filled as it goes: given what a stopped tuning of the same size
   * and precision filled, it goes on from there (a candidate measured is not measured again, and
   * the rounds take only the samples missing), so that spot checks coming one after another do not
   * start it over each time, and it ends.
   */
  resume?: TuningProgress;
}

/** What a tuning measured so far (AutotuneOptions.resume). */
export interface TuningProgress {
  /** Round one's outcome per candidate measured, in order. */
  results: VariantResult[];
  /** The samples of each candidate timed (not wrong, not left behind), by variant name. */
  samplesMs: Map<string, number[]>;
  /** The fastest first sample: a candidate four times slower is left after its warm-up. */
  fastestFirstMs: number;
}

export const tuningProgress = (): TuningProgress => ({
  results: [],
  samplesMs: new Map(),
  fastestFirstMs: Infinity,
});

/** A tuning stopped (its signal) before any candidate was measured: nothing to choose from. */
export class TuningStoppedError extends Error {
  constructor(precision: Precision, size: number) {
    super(`autotune: ${precision} at n=${size} stopped before any variant was measured`);
    this.name = 'TuningStoppedError';
  }
}

export interface VariantResult {
  variant: string;
  /** Null when the variant failed or was wrong. */
  gflops: number | null;
  correct: boolean;
  /** Timed only by its warm-up: already far slower than the best. */
  abandoned?: boolean;
  error?: string;
}

export interface AutotuneResult {
  variant: MatmulVariant;
  gflops: number;
  size: number;
  fromCache: boolean;
  /** Every candidate measured in this run (empty when the cache answered). */
  results: VariantResult[];
  /** Stopped by its signal: the fastest of the candidates measured so far, not cached. */
  stopped?: boolean;
  /**
   * A stopped tuning's choice, still compiled where it was timed in this run (the caller owns it):
   * the check waiting for it does not wait for its compile again (about 0.3 s on lavapipe).
   */
  matmul?: Matmul;
}

/** Random matrices with entries in [-1, 1), from a seed. */
export function randomMatrix(elements: number, random: () => number): Float32Array {
  return Float32Array.from({ length: elements }, () => random() * 2 - 1);
}

/** Computes one product on the GPU and returns C (as the kernel's precision left it). */
export async function multiply(
  device: GPUDevice,
  matmul: Matmul,
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
): Promise<Float32Array> {
  const precision = matmul.variant.precision;
  const buffers = [
    uploadMatrix(device, a, precision),
    uploadMatrix(device, b, precision),
    createMatrixBuffer(device, m * n, precision),
  ] as const;
  try {
    await matmul.run(buffers[0], buffers[1], buffers[2], m, n, k);
    return await readMatrix(device, buffers[2], m * n, precision);
  } finally {
    for (const buffer of buffers) buffer.destroy();
  }
}

/**
 * Small shapes that exercise every edge: the scalar path (N, K odd), the vec4 path with ragged M/N
 * tiles, and blocks wholly inside C beside ragged ones with K a multiple of 32 and N of 8 (where
 * the subgroup-matrix kernels load straight from the storage buffers: `direct`).
 */
const CHECK_SHAPES = [
  [37, 53, 19],
  [35, 68, 36],
  [72, 80, 64],
] as const;

/** Null when right; otherwise what is wrong. */
export async function checkVariant(device: GPUDevice, matmul: Matmul, seed = 7): Promise<string | null> {
  const random = seededRandom(seed);
  for (const [m, n, k] of CHECK_SHAPES) {
    const a = randomMatrix(m * k, random);
    const b = randomMatrix(k * n, random);
    const c = await multiply(device, matmul, a, b, m, n, k);
    const wrong = wrongElements({
      a,
      b,
      c,
      m,
      n,
      k,
      precision: matmul.variant.precision,
      accumulate: matmul.variant.accumulate,
    });
    if (wrong.count > 0) return `${wrong.count} wrong elements at ${m}x${n}x${k}, e.g. ${wrong.examples[0]}`;
  }
  return null;
}

export async function autotune(device: GPUDevice, options: AutotuneOptions): Promise<AutotuneResult> {
  const { precision, adapter, size = DEFAULT_TUNE_SIZE, retune = false, runs = 3, signal } = options;
  const progress = options.onProgress ?? (() => undefined);
  const cachePath = options.cachePath === undefined ? defaultCachePath() : options.cachePath;
  const key = cacheKey(adapter, precision, options.tier, size);
  const cache = cachePath ? await readCache(cachePath) : null;
  const cached = cache?.entries[key];
  const offered = TUNING_FEATURES.filter((f) => device.features.has(f));
  // A cached choice that needs a feature this device was opened without (subgroups; a Dawn toggle
  // not given this time) is measured again, not trusted; so is one made among fewer candidates
  // than this device offers (tuned before a toggle such as allow_unsafe_apis added some).
  if (
    cached &&
    !retune &&
    validateParams(cached.params, device.limits).length === 0 &&
    unsupportedOn(device, cached.params) === null &&
    offered.every((f) => cached.offered?.includes(f))
  ) {
    progress(
      `${precision}: using the cached choice ${cached.variant} (${cached.gflops.toFixed(1)} GFLOP/s at n=${cached.size}; gpu-worker benchmark --retune --tune-size ${cached.size} measures again)`,
    );
    return {
      variant: resolveVariant(precision, cached.params),
      gflops: cached.gflops,
      size: cached.size,
      fromCache: true,
      results: [],
    };
  }

  // Stopped already (a challenge to answer at a size not tuned yet): the cache alone answers.
  if (signal?.aborted) throw new TuningStoppedError(precision, size);
  // The family, and where the device has matrix units the subgroup-matrix variants: f16 data
  // accumulated in f32, so they join the f16 candidates and any f16 subset of that tier.
  const family = options.variants ?? VARIANTS[precision];
  const inTier = !options.variants || options.variants.every((p) => p.accumulate === 'f32');
  const matrices =
    precision === 'f16' && inTier && options.matrices !== false ? matrixVariants(offerOf(device)) : [];
  const candidates = likelyFirst(
    [...family, ...matrices].filter(
      (p) =>
        validateParams(p, device.limits).length === 0 &&
        unsupportedOn(device, p) === null &&
        !(adapter.isFallbackAdapter && gpuShaped(p)),
    ),
    adapter,
  );
  const minSampleMs = adapter.isFallbackAdapter ? CPU_SAMPLE_MS : GPU_SAMPLE_MS;
  // A GPU's first run of a pipeline is slow (likely the driver's last compile): on an H200 it took
  // a subgroup-matrix kernel the rounds put at 45 TFLOP/s to 38 ms (3.6 TFLOP/s), four times the
  // best run so far, and it was left as far behind. The warm-up's figure is the faster of two runs
  // there. On a CPU a run is the long part, and one warm-up is enough.
  const warmup = adapter.isFallbackAdapter ? 1 : 2;
  const random = seededRandom(size);
  const a = randomMatrix(size * size, random);
  const b = randomMatrix(size * size, random);
  const bufA = uploadMatrix(device, a, precision);
  const bufB = uploadMatrix(device, b, precision);
  const bufC = createMatrixBuffer(device, size * size, precision);
  const state = options.resume ?? tuningProgress();
  const results = state.results;
  // Candidates that ran right and were not far behind, kept compiled for their later samples (one
  // timed by a tuning stopped before is compiled again when its next sample is due).
  const timed: { result: VariantResult; params: MatmulParams; matmul?: Matmul; samplesMs: number[] }[] = [];
  for (const result of results) {
    const samplesMs = state.samplesMs.get(result.variant);
    const params = candidates.find((p) => variantName(p) === result.variant);
    if (samplesMs && params) timed.push({ result, params, samplesMs });
  }
  // Whether the signal cut the tuning short (one that aborts once it is done changes nothing).
  let stopped = false;
  const aborted = () => signal?.aborted === true;
  // Stopped: the fastest timed candidate, not destroyed with the others.
  let kept: Matmul | undefined;
  try {
    // Round one: compile, check and time each candidate once (a hopeless one is left after its
    // warm-up, and nothing wrong is ever timed again).
    for (const [index, params] of candidates.entries()) {
      const name = variantName(params);
      if (results.some((r) => r.variant === name)) continue;
      if ((stopped = aborted())) break;
      const step = `${precision} ${index + 1}/${candidates.length} ${name}`;
      let matmul: Matmul | undefined;
      let kept = false;
      try {
        matmul = await createMatmul(device, { precision, variant: params });
        const wrong = await checkVariant(device, matmul);
        if (wrong) {
          results.push({ variant: name, gflops: null, correct: false, error: wrong });
          progress(`${step}: WRONG (${wrong})`);
          continue;
        }
        // Stopped meanwhile: not timed (measured when the tuning goes on), the check waits no longer.
        if ((stopped = aborted())) break;
        const mm = matmul;
        const timing = await timeGpu(
          device,
          (encoder) => mm.encode(encoder, bufA, bufB, bufC, size, size, size),
          { warmup, runs: 1, minSampleMs, giveUpAfterMs: state.fastestFirstMs * 4 },
        );
        const c = await readMatrix(device, bufC, size * size, precision);
        const check = freivalds(
          {
            a: roundTo(a, precision),
            b: roundTo(b, precision),
            c,
            m: size,
            n: size,
            k: size,
            precision,
            accumulate: params.accumulate,
          },
          random,
        );
        if (!check.ok) {
          results.push({
            variant: name,
            gflops: null,
            correct: false,
            error: `Freivalds failed at n=${size} (${check.badRows} rows)`,
          });
          progress(`${step}: WRONG at n=${size}`);
          continue;
        }
        const rate = gflops(matmul.flops(size, size, size), timing.ms);
        const result: VariantResult = {
          variant: name,
          gflops: rate,
          correct: true,
          ...(timing.abandoned ? { abandoned: true } : {}),
        };
        results.push(result);
        progress(
          `${step}: ${rate.toFixed(2)} GFLOP/s${timing.abandoned ? ' (far behind: stopped after warm-up)' : ''}`,
        );
        state.fastestFirstMs = Math.min(state.fastestFirstMs, timing.ms);
        if (!timing.abandoned) {
          const samplesMs = [...timing.samplesMs];
          state.samplesMs.set(name, samplesMs);
          timed.push({ result, params, matmul, samplesMs });
          kept = true;
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        results.push({ variant: name, gflops: null, correct: false, error: message });
        progress(`${step}: failed (${message})`);
      } finally {
        if (!kept) matmul?.destroy();
      }
    }
    // The other samples in rounds, one candidate after another: a machine (or a GPU's clock) that
    // slows down or speeds up for a while then weighs on every candidate alike, instead of
    // deciding the choice by when each was timed. Each candidate's figure is its median.
    for (let round = 1; round < runs && !stopped; round++)
      for (const t of timed) {
        if (t.samplesMs.length > round) continue; // taken before a stop
        if ((stopped = aborted())) break;
        const matmul = (t.matmul ??= await createMatmul(device, { precision, variant: t.params }));
        const again = await timeGpu(
          device,
          (encoder) => matmul.encode(encoder, bufA, bufB, bufC, size, size, size),
          { runs: 1, minSampleMs },
        );
        t.samplesMs.push(...again.samplesMs);
      }
    if (runs > 1 && timed.length > 1 && !stopped)
      progress(`${precision}: ${runs} samples of each of ${timed.length} candidates, in rounds`);
    for (const t of timed) t.result.gflops = gflops(2 * size ** 3, median(t.samplesMs));
    if (stopped)
      kept = timed.reduce<(typeof timed)[number] | undefined>(
        (f, t) => (!f || (t.result.gflops ?? 0) > (f.result.gflops ?? 0) ? t : f),
        undefined,
      )?.matmul;
  } finally {
    for (const t of timed) if (t.matmul !== kept) t.matmul?.destroy();
    for (const buffer of [bufA, bufB, bufC]) buffer.destroy();
  }
  // The fastest correct candidate by its figure (a median; the warm-up alone for one left behind).
  const fastest = results.reduce<VariantResult | undefined>(
    (f, r) => (r.correct && r.gflops !== null && (!f || r.gflops > (f.gflops ?? 0)) ? r : f),
    undefined,
  );
  const params = fastest && candidates.find((p) => variantName(p) === fastest.variant);
  const best = fastest &&
    params && { variant: resolveVariant(precision, params), gflops: fastest.gflops ?? 0 };
  if (stopped) {
    const matmul = kept?.variant.name === best?.variant.name ? kept : (kept?.destroy(), undefined);
    if (!best) throw new TuningStoppedError(precision, size);
    progress(`${precision}: stopped, ${best.variant.name} the fastest measured so far (not cached)`);
    return {
      variant: best.variant,
      gflops: best.gflops,
      size,
      fromCache: false,
      results,
      stopped,
      ...(matmul ? { matmul } : {}),
    };
  }
  if (!best)
    throw new Error(
      `autotune: no ${precision} matmul variant ran correctly on ${adapter.description || adapter.device}`,
    );
  if (cachePath && cache) {
    cache.entries[key] = {
      variant: best.variant.name,
      params: stripName(best.variant),
      gflops: best.gflops,
      size,
      tunedAt: new Date().toISOString(),
      offered,
    };
    await keepCache(cachePath, cache, options.onWarning ?? warnOnStderr);
  }
  return { variant: best.variant, gflops: best.gflops, size, fromCache: false, results };
}

const warnOnStderr = (message: string) => void process.stderr.write(`gpu-worker: ${message}\n`);

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;

function stripName({ name: _name, ...params }: MatmulVariant): MatmulParams {
  return params;
}
