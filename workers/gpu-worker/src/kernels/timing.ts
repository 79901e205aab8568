/**
 * Wall-clock timing of GPU work: record, submit, await `onSubmittedWorkDone()`. Short kernels are
 * recorded several times per submission so that submission overhead does not dominate; the
 * figure is the median over samples, after warm-up runs (pipeline creation, first-touch of memory).
 */
export interface TimingOptions {
  warmup?: number;
  runs?: number;
  /** Record the work enough times per submission for one sample to take at least this long. */
  minSampleMs?: number;
  /** Upper bound of that repetition (default 256). */
  maxRepeats?: number;
  /** Stop after the warm-up when one run already takes longer than this (a hopeless candidate). */
  giveUpAfterMs?: number;
}

export interface Timing {
  /** Median milliseconds of one execution of the recorded work. */
  ms: number;
  samplesMs: number[];
  repeats: number;
  /** True when only the warm-up was timed (giveUpAfterMs). */
  abandoned: boolean;
}

async function submitTimed(
  device: GPUDevice,
  record: (encoder: GPUCommandEncoder) => void,
  repeats: number,
): Promise<number> {
  const encoder = device.createCommandEncoder();
  for (let i = 0; i < repeats; i++) record(encoder);
  const commands = encoder.finish();
  const start = performance.now();
  device.queue.submit([commands]);
  await device.queue.onSubmittedWorkDone();
  return (performance.now() - start) / repeats;
}

export async function timeGpu(
  device: GPUDevice,
  record: (encoder: GPUCommandEncoder) => void,
  options: TimingOptions = {},
): Promise<Timing> {
  const {
    warmup = 1,
    runs = 5,
    minSampleMs = CPU_SAMPLE_MS,
    maxRepeats = 256,
    giveUpAfterMs = Infinity,
  } = options;
  device.pushErrorScope('validation');
  let first = Infinity;
  for (let i = 0; i < Math.max(1, warmup); i++) first = Math.min(first, await submitTimed(device, record, 1));
  const error = await device.popErrorScope();
  if (error) throw new Error(`WebGPU validation failed: ${error.message}`);
  if (first > giveUpAfterMs) return { ms: first, samplesMs: [first], repeats: 1, abandoned: true };
  let repeats = repeatsFor(first, minSampleMs, maxRepeats);
  const samplesMs: number[] = [];
  while (samplesMs.length < runs) {
    const ms = await submitTimed(device, record, repeats);
    // The warm-up (first use of a pipeline, a GPU clocking up from idle) can take many times one
    // warm run, so too few runs were recorded for the sample to outlast the submission's round
    // trip: the repetition is set again from this sample, and the samples start over with it.
    const again = repeatsAgain(ms, repeats, minSampleMs, maxRepeats);
    if (again !== null) {
      repeats = again;
      samplesMs.length = 0;
      continue;
    }
    samplesMs.push(ms);
  }
  const sorted = [...samplesMs].sort((x, y) => x - y);
  return { ms: sorted[Math.floor(sorted.length / 2)] ?? first, samplesMs, repeats, abandoned: false };
}

/**
 * The sample length the autotuner takes on a GPU: a product there lasts milliseconds, as long as a
 * submission's round trip, and 20 ms samples ranked the kernels by noise (an H200's tuning read
 * 7 TFLOP/s for the kernel the 250 ms samples of the benchmark put at 35). On a CPU (lavapipe) one
 * product lasts long enough that 20 ms suffices.
 */
export const GPU_SAMPLE_MS = 250;
export const CPU_SAMPLE_MS = 20;

/** Runs recorded per submission for one sample to last about minSampleMs, when one run takes oneMs. */
export function repeatsFor(oneMs: number, minSampleMs: number, maxRepeats: number): number {
  return Math.min(maxRepeats, Math.max(1, Math.ceil(minSampleMs / Math.max(oneMs, 1e-3))));
}

/**
 * The repetition to start the samples over with, when a sample of `repeats` runs of `oneMs` each
 * lasted under half of minSampleMs; null when the sample stands. It only grows, up to maxRepeats,
 * so the samples start over a few times at most.
 */
export function repeatsAgain(
  oneMs: number,
  repeats: number,
  minSampleMs: number,
  maxRepeats: number,
): number | null {
  const wanted = repeatsFor(oneMs, minSampleMs, maxRepeats);
  return oneMs * repeats < minSampleMs / 2 && wanted > repeats ? wanted : null;
}

export const gflops = (flops: number, ms: number) => flops / ms / 1e6;
