/**
 * The autotuned kernel family (src/kernels) behind the challenge's MatmulRunner seam. The challenge
 * buffers are f32 (the generator's entries are exact in f16, and f32 sums of their products are
 * exact), so the f32 tuning is the one that answers; the simple register-blocked kernel stays the
 * fallback for a shape the tuned variant refuses (a texture variant past the device's texture size)
 * and for a device where tuning found nothing.
 */
import type { AdapterDescription } from '../gpu/webgpu';
import { autotune } from '../kernels/autotune';
import { createMatmul, Matmul } from '../kernels/matmul';
import { MatmulRunner, registerBlockedMatmul } from './matmul';

export interface TunedMatmul {
  runner: MatmulRunner;
  /** The variant's name, or `register-blocked-4x4 (fallback)`. */
  variant: string;
  /** GFLOP/s when it was tuned (null for the fallback). */
  gflops: number | null;
  fromCache: boolean;
  /** Why the fallback is in use, when it is. */
  fallbackReason?: string;
  destroy(): void;
}

export const FALLBACK_NAME = 'register-blocked-4x4 (fallback)';

export interface TunedOptions {
  /** Autotune cache file (default: the kernels' default); null: none. */
  cachePath?: string | null;
  retune?: boolean;
  onProgress?: (message: string) => void;
}

/** A runner over an already compiled variant, falling back per call when it refuses the shape. */
export function runnerFor(matmul: Matmul, onFallback?: (reason: string) => void): MatmulRunner {
  return async (device, a, b, c, m, n, k) => {
    try {
      await matmul.run(a, b, c, m, n, k);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      onFallback?.(error.message);
      await registerBlockedMatmul(device, a, b, c, m, n, k);
    }
  };
}

/** Autotunes (or reads the adapter's cached choice) and compiles the winner as a MatmulRunner. */
export async function tunedMatmul(
  device: GPUDevice,
  adapter: AdapterDescription,
  options: TunedOptions = {},
): Promise<TunedMatmul> {
  let matmul: Matmul | undefined;
  try {
    const tuned = await autotune(device, {
      precision: 'f32',
      adapter,
      ...(options.cachePath === undefined ? {} : { cachePath: options.cachePath }),
      ...(options.retune ? { retune: true } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    matmul = await createMatmul(device, { precision: 'f32', variant: tuned.variant });
    const compiled = matmul;
    return {
      runner: runnerFor(compiled, (reason) =>
        options.onProgress?.(`the tuned kernel refused this shape (${reason}): the simple kernel answers it`),
      ),
      variant: compiled.variant.name,
      gflops: tuned.gflops,
      fromCache: tuned.fromCache,
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
