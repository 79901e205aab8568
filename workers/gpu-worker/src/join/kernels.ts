/**
 * The worker's tuned kernels, per challenge size: the fastest kernel at 512 is not the fastest at
 * 4096 on a GPU, so they are tuned at the sizes the gateway's challenges use (the size its claim
 * picks: challengeSizeFor, from the session's sizing), when a size is first needed, and kept (and
 * cached per size) for the process. The agent asks for them before it measures or states a claim,
 * so tuning never runs inside a challenge's deadline; a challenge of a size not prepared (a spot
 * check of a certificate measured by another process, at another size) is tuned for when it comes.
 */
import type { Challenge } from '@gpux/certification';
import { checkChallenge } from '../challenge/bad-challenge';
import { checkChallengeFits } from '../challenge/product-pipeline';
import { proveChallenge } from '../challenge/prover';
import { tunedHalfMatmul, tunedMatmul, TunedMatmul } from '../challenge/tuned';
import type { GpuContext } from '../gpu/webgpu';
import type { Proof } from './agent.ports';
import type { Reporter } from './report';

export interface ChallengeKernelOptions {
  /** Tune the f16 kernel too (--f16). */
  f16: boolean;
  report: Reporter;
  /** Autotune progress lines (text mode); absent: quiet. */
  onProgress?: (message: string) => void;
  /** Said once when --f16 finds no f16 kernel, or the autotune cache cannot be written. */
  warn: (line: string) => void;
}

interface Kernels {
  f32: TunedMatmul;
  f16: TunedMatmul | null;
}

export class ChallengeKernels {
  private readonly bySize = new Map<number, Promise<Kernels>>();
  private readonly ready: Kernels[] = [];

  constructor(
    private readonly gpu: GpuContext,
    private readonly o: ChallengeKernelOptions,
  ) {}

  /** Tunes (or reads the cached choice) for challenges of size n × n, once per size. */
  prepare(size: number): Promise<void> {
    return this.forSize(size).then(() => undefined);
  }

  /**
   * Proves `challenge` with the kernels tuned at its size; `signal` stops it (ProofAbortedError,
   * prover.ts): a tuning under way is not stopped (other challenges of that size need it too).
   */
  async prove(challenge: Challenge, signal?: AbortSignal): Promise<Proof> {
    // Before tuning at its size: tuning builds n² host arrays synchronously, so a hostile n would
    // stall the process (no heartbeats) before the prover refused it.
    checkChallenge(challenge);
    checkChallengeFits(this.gpu.device, challenge.n);
    const kernels = await this.forSize(challenge.n);
    return proveChallenge(this.gpu.device, challenge, {
      matmul: kernels.f32.runner,
      ...(kernels.f16 ? { matmulF16: kernels.f16.runner } : {}),
      ...(signal ? { signal } : {}),
    });
  }

  destroy(): void {
    for (const k of this.ready.splice(0)) {
      k.f32.destroy();
      k.f16?.destroy();
    }
  }

  private forSize(size: number): Promise<Kernels> {
    let kernels = this.bySize.get(size);
    if (!kernels) {
      kernels = this.tune(size);
      this.bySize.set(size, kernels);
    }
    return kernels;
  }

  private async tune(size: number): Promise<Kernels> {
    const options = {
      size,
      ...(this.o.onProgress ? { onProgress: this.o.onProgress } : {}),
      onWarning: (message: string) => this.o.warn(`gpu-worker: ${message}`),
    };
    const f32 = await tunedMatmul(this.gpu.device, this.gpu.adapter, options);
    const report = (precision: 'f32' | 'f16', tuned: TunedMatmul) =>
      this.o.report({
        event: 'kernel',
        precision,
        variant: tuned.variant,
        gflops: tuned.gflops,
        fromCache: tuned.fromCache,
        size,
        ...(tuned.fallbackReason ? { fallbackReason: tuned.fallbackReason } : {}),
      });
    report('f32', f32);
    // --f16: the f16 kernel that accumulates in f32, for the f16 challenges (none without shader-f16).
    const f16 = this.o.f16 ? await tunedHalfMatmul(this.gpu.device, this.gpu.adapter, options) : null;
    if (f16) report('f16', f16);
    if (this.o.f16 && !f16 && this.ready.length === 0)
      this.o.warn(
        'gpu-worker: --f16: this adapter has no f16 kernel (shader-f16): f16 challenges run the f32 kernel',
      );
    const kernels = { f32, f16 };
    this.ready.push(kernels);
    return kernels;
  }
}
