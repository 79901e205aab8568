/**
 * The worker's tuned kernels, per challenge size: the fastest kernel at 512 is not the fastest at
 * 4096 on a GPU, so they are tuned at the sizes the gateway's challenges use (the size its claim
 * picks: challengeSizeFor, from the session's sizing), when a size is first needed, and kept (and
 * cached per size) for the process. The agent asks for them before it measures or states a claim,
 * so tuning never runs inside a challenge's deadline. Nor does it when a challenge cannot wait: a
 * tuning stopped by its signal (a spot check came: its clock runs from its delivery) leaves the
 * fastest variant measured so far, or the default one, to answer at once, and the size's tuning
 * goes on from where it stopped when the size is next prepared; a challenge of a size never
 * prepared (a spot check of a certificate measured by another process, at another size) is
 * answered with the cached choice, or the default variant, untuned.
 */
import type { Challenge } from '@gpux/certification';
import { checkChallenge } from '../challenge/bad-challenge';
import { checkChallengeFits } from '../challenge/product-pipeline';
import { proveChallenge } from '../challenge/prover';
import { tunedHalfMatmul, tunedMatmul, TunedMatmul } from '../challenge/tuned';
import type { GpuContext } from '../gpu/webgpu';
import { TuningProgress, tuningProgress } from '../kernels/autotune';
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

/** The signal of a tuning that is not to run at all: a challenge's size never prepared (prove). */
const UNTUNED = AbortSignal.abort();

export class ChallengeKernels {
  private readonly bySize = new Map<number, Promise<Kernels>>();
  /** Sizes whose kernels a stopped tuning (or none) left: tuned when next prepared. */
  private readonly provisional = new Set<number>();
  /** What stopped tunings measured, by precision and size: the next one goes on from it. */
  private readonly progress = new Map<string, TuningProgress>();
  private readonly ready: Kernels[] = [];

  constructor(
    private readonly gpu: GpuContext,
    private readonly o: ChallengeKernelOptions,
  ) {}

  /**
   * Tunes (or reads the cached choice) for challenges of size n × n, once per size. `signal` stops
   * the tuning soon (autotune.ts): the kernels it leaves answer challenges of that size until a
   * later call tunes it again.
   */
  prepare(size: number, signal?: AbortSignal): Promise<void> {
    let kernels = this.bySize.get(size);
    if (!kernels || this.provisional.has(size)) {
      this.provisional.delete(size);
      kernels = this.tune(size, signal);
      this.bySize.set(size, kernels);
    }
    return kernels.then(() => undefined);
  }

  /**
   * Proves `challenge` with the kernels ready at its size (a tuning under way at it is waited for),
   * untuned where none are (the cached choice, or the default variant: its deadline runs); `signal`
   * stops it (ProofAbortedError, prover.ts).
   */
  async prove(challenge: Challenge, signal?: AbortSignal): Promise<Proof> {
    // Before any kernel at its size: tuning builds n² host arrays synchronously, so a hostile n
    // would stall the process (no heartbeats) before the prover refused it.
    checkChallenge(challenge);
    checkChallengeFits(this.gpu.device, challenge.n);
    let kernels = this.bySize.get(challenge.n);
    if (!kernels) {
      kernels = this.tune(challenge.n, UNTUNED);
      this.bySize.set(challenge.n, kernels);
      this.provisional.add(challenge.n);
    }
    const ready = await kernels;
    return proveChallenge(this.gpu.device, challenge, {
      matmul: ready.f32.runner,
      ...(ready.f16 ? { matmulF16: ready.f16.runner } : {}),
      ...(signal ? { signal } : {}),
    });
  }

  destroy(): void {
    for (const k of this.ready.splice(0)) {
      k.f32.destroy();
      k.f16?.destroy();
    }
  }

  /**
   * Tunes at `size`. Stopped by `signal` before it is done (an f16 tuning not begun by then is not
   * begun), the kernels are provisional: they answer at this size until it is prepared again, and
   * that tuning goes on from what this one measured.
   */
  private async tune(size: number, signal?: AbortSignal): Promise<Kernels> {
    const options = {
      size,
      ...(this.o.onProgress ? { onProgress: this.o.onProgress } : {}),
      onWarning: (message: string) => this.o.warn(`gpu-worker: ${message}`),
      ...(signal ? { signal } : {}),
    };
    const f32 = await tunedMatmul(this.gpu.device, this.gpu.adapter, {
      ...options,
      resume: this.progressOf('f32', size),
    });
    const report = (precision: 'f32' | 'f16', tuned: TunedMatmul) =>
      this.o.report({
        event: 'kernel',
        precision,
        variant: tuned.variant,
        gflops: tuned.gflops,
        fromCache: tuned.fromCache,
        size,
        ...(tuned.stopped ? { stopped: true } : {}),
        ...(tuned.fallbackReason ? { fallbackReason: tuned.fallbackReason } : {}),
      });
    report('f32', f32);
    // --f16: the f16 kernel that accumulates in f32, for the f16 challenges (none without shader-f16);
    // not begun once stopped.
    const skipped = this.o.f16 && signal?.aborted === true;
    const f16 =
      this.o.f16 && !skipped
        ? await tunedHalfMatmul(this.gpu.device, this.gpu.adapter, {
            ...options,
            resume: this.progressOf('f16', size),
          })
        : null;
    if (f16) report('f16', f16);
    // A stop that came once the tuning was done changes nothing.
    if (f32.stopped || skipped || f16?.stopped) this.provisional.add(size);
    else {
      for (const precision of ['f32', 'f16']) this.progress.delete(`${precision} ${size}`);
      if (this.o.f16 && !f16 && this.ready.length === 0)
        this.o.warn(
          'gpu-worker: --f16: this adapter has no f16 kernel (shader-f16): f16 challenges run the f32 kernel',
        );
    }
    const kernels = { f32, f16 };
    this.ready.push(kernels);
    return kernels;
  }

  private progressOf(precision: 'f32' | 'f16', size: number): TuningProgress {
    const key = `${precision} ${size}`;
    let progress = this.progress.get(key);
    if (!progress) this.progress.set(key, (progress = tuningProgress()));
    return progress;
  }
}
