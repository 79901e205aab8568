/**
 * The autotuned kernel family (src/kernels) behind the challenge's MatmulRunner seam. The challenge
 * buffers are f32 (the generator's entries are exact in f16, and f32 sums of their products are
 * exact), so the f32 tuning is the one that answers; the simple register-blocked kernel stays the
 * fallback for a shape the tuned variant refuses (a texture variant past the device's texture size)
 * and for a device where tuning found nothing.
 */
import type { AdapterDescription } from '../gpu/webgpu';
import { autotune, AutotuneResult, TuningProgress, TuningStoppedError } from '../kernels/autotune';
import { createMatmul, Matmul, resolveVariant } from '../kernels/matmul';
import type { MatmulParams } from '../kernels/wgsl';
import { DEFAULT_VARIANTS, F16_CERTIFIED_TIER, F16_CERTIFIED_VARIANTS } from '../kernels/variants';
import { MatmulEncode, MatmulRunner, registerBlockedMatmul } from './matmul';

export interface TunedMatmul {
  runner: MatmulRunner;
  /** The variant's name, or `register-blocked-4x4 (fallback)`. */
  variant: string;
  /** GFLOP/s when it was tuned (null for the fallback). */
  gflops: number | null;
  fromCache: boolean;
  /** Why the fallback is in use, when it is. */
  fallbackReason?: string;
  /**
   * The tuning was stopped (TunedOptions.signal): the fastest variant measured until then, or the
   * default one where none was; tune again for the adapter's best.
   */
  stopped?: boolean;
  destroy(): void;
}

export const FALLBACK_NAME = 'register-blocked-4x4 (fallback)';

export interface TunedOptions {
  /** Autotune cache file (default: the kernels' default); null: none. */
  cachePath?: string | null;
  retune?: boolean;
  /** The square size to tune at: the challenges' (default 512, the kernels' default). */
  size?: number;
  onProgress?: (message: string) => void;
  /** Said once when the autotune cache cannot be written (autotune's default: stderr). */
  onWarning?: (message: string) => void;
  /** Stops the tuning soon (autotune's signal): a challenge is to be answered now. */
  signal?: AbortSignal;
  /** What a stopped tuning measured, to go on from (autotune's resume). */
  resume?: TuningProgress;
}

/**
 * A runner over an already compiled variant, falling back per call (to `fallback`, by default the
 * simple f32 kernel) when it refuses the shape.
 */
export function runnerFor(
  matmul: Matmul,
  onFallback?: (reason: string) => void,
  fallback: MatmulRunner = registerBlockedMatmul,
): MatmulRunner {
  const runner: MatmulRunner = async (device, a, b, c, m, n, k) => {
    try {
      await matmul.run(a, b, c, m, n, k);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      onFallback?.(error.message);
      await fallback(device, a, b, c, m, n, k);
    }
  };
  const fallbackEncode = fallback.encode;
  if (fallbackEncode) {
    // The variant checks the shape before it records anything, so a refusal leaves the encoder clean.
    runner.encode = (device, encoder, a, b, c, m, n, k) => {
      try {
        matmul.encode(encoder, a, b, c, m, n, k);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        onFallback?.(error.message);
        fallbackEncode(device, encoder, a, b, c, m, n, k);
      }
    };
  }
  return runner;
}

/**
 * What a tuning stopped before it measured any variant leaves (TuningStoppedError): the default
 * variant, compiled but not timed (a pipeline's compile, not seconds of tuning).
 */
async function untuned(
  tuning: Promise<AutotuneResult>,
  precision: 'f32' | 'f16',
  variant: MatmulParams,
  onProgress?: (message: string) => void,
): Promise<Pick<AutotuneResult, 'variant' | 'fromCache' | 'stopped' | 'matmul'> & { gflops: number | null }> {
  try {
    return await tuning;
  } catch (error) {
    if (!(error instanceof TuningStoppedError)) throw error;
    onProgress?.(`${precision}: stopped before any variant was measured: the default one answers`);
    return { variant: resolveVariant(precision, variant), gflops: null, fromCache: false, stopped: true };
  }
}

/**
 * Autotunes (or reads the adapter's cached choice) and compiles the winner as a MatmulRunner. A
 * tuning stopped by `signal` compiles the fastest variant measured so far, or the default one.
 */
export async function tunedMatmul(
  device: GPUDevice,
  adapter: AdapterDescription,
  options: TunedOptions = {},
): Promise<TunedMatmul> {
  let matmul: Matmul | undefined;
  try {
    const tuning = autotune(device, {
      precision: 'f32',
      adapter,
      ...(options.cachePath === undefined ? {} : { cachePath: options.cachePath }),
      ...(options.retune ? { retune: true } : {}),
      ...(options.size === undefined ? {} : { size: options.size }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.resume ? { resume: options.resume } : {}),
    });
    const tuned = await untuned(tuning, 'f32', DEFAULT_VARIANTS.f32, options.onProgress);
    matmul = tuned.matmul ?? (await createMatmul(device, { precision: 'f32', variant: tuned.variant }));
    const compiled = matmul;
    return {
      runner: runnerFor(compiled, (reason) =>
        options.onProgress?.(`the tuned kernel refused this shape (${reason}): the simple kernel answers it`),
      ),
      variant: compiled.variant.name,
      gflops: tuned.gflops,
      fromCache: tuned.fromCache,
      ...(tuned.stopped ? { stopped: true } : {}),
      destroy: () => compiled.destroy(),
    };
  } catch (error) {
    matmul?.destroy();
    const reason = error instanceof Error ? error.message : String(error);
    return {
      runner: registerBlockedMatmul,
      variant: FALLBACK_NAME,
      gflops: null,
      fromCache: false,
      fallbackReason: reason,
      destroy: () => undefined,
    };
  }
}

/**
 * The f16 tier's kernels: f16 A, B and C, accumulated in f32 (tolerance.ts: a kernel that also
 * accumulates in f16 is outside the tier, its rounding as large as what the check must see).
 */
export const HALF_TIER = F16_CERTIFIED_TIER;
const HALF_VARIANTS = F16_CERTIFIED_VARIANTS;
const HALF_FALLBACK = { ...DEFAULT_VARIANTS.f16, accumulate: 'f32' as const };

/**
 * The tuned f16 kernel for f16 challenges (tuned among HALF_VARIANTS, cached apart from the
 * `benchmark` command's f16 choice), or null where the device has no `shader-f16` or no f16
 * variant runs correctly: f16 challenges then run the f32 kernel (prover.ts).
 */
export async function tunedHalfMatmul(
  device: GPUDevice,
  adapter: AdapterDescription,
  options: TunedOptions = {},
): Promise<TunedMatmul | null> {
  if (!device.features.has('shader-f16')) return null;
  const compiled: Matmul[] = [];
  try {
    const tuning = autotune(device, {
      precision: 'f16',
      adapter,
      variants: HALF_VARIANTS,
      tier: HALF_TIER,
      ...(options.cachePath === undefined ? {} : { cachePath: options.cachePath }),
      ...(options.retune ? { retune: true } : {}),
      ...(options.size === undefined ? {} : { size: options.size }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.resume ? { resume: options.resume } : {}),
    });
    const tuned = await untuned(tuning, 'f16', HALF_FALLBACK, options.onProgress);
    const matmul = tuned.matmul ?? (await createMatmul(device, { precision: 'f16', variant: tuned.variant }));
    compiled.push(matmul);
    const fallback = await createMatmul(device, { precision: 'f16', variant: HALF_FALLBACK });
    compiled.push(fallback);
    return {
      runner: runnerFor(
        matmul,
        (reason) =>
          options.onProgress?.(
            `the tuned f16 kernel refused this shape (${reason}): ${fallback.variant.name} answers it`,
          ),
        Object.assign(
          (_device: GPUDevice, a: GPUBuffer, b: GPUBuffer, c: GPUBuffer, m: number, n: number, k: number) =>
            fallback.run(a, b, c, m, n, k),
          {
            encode: ((_device, encoder, a, b, c, m, n, k) =>
              fallback.encode(encoder, a, b, c, m, n, k)) satisfies MatmulEncode,
          },
        ),
      ),
      variant: matmul.variant.name,
      gflops: tuned.gflops,
      fromCache: tuned.fromCache,
      ...(tuned.stopped ? { stopped: true } : {}),
      destroy: () => compiled.forEach((m) => m.destroy()),
    };
  } catch (error) {
    compiled.forEach((m) => m.destroy());
    options.onProgress?.(
      `no f16 kernel for challenges (${error instanceof Error ? error.message : String(error)}): f16 challenges run the f32 kernel`,
    );
    return null;
  }
}
