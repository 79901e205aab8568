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
  const { warmup = 1, runs = 5, minSampleMs = 20, maxRepeats = 256, giveUpAfterMs = Infinity } = options;
  device.pushErrorScope('validation');
  let first = Infinity;
  for (let i = 0; i < Math.max(1, warmup); i++) first = Math.min(first, await submitTimed(device, record, 1));
  const error = await device.popErrorScope();
  if (error) throw new Error(`WebGPU validation failed: ${error.message}`);
  if (first > giveUpAfterMs) return { ms: first, samplesMs: [first], repeats: 1, abandoned: true };
  const repeats = Math.min(maxRepeats, Math.max(1, Math.ceil(minSampleMs / Math.max(first, 1e-3))));
  const samplesMs: number[] = [];
  for (let i = 0; i < runs; i++) samplesMs.push(await submitTimed(device, record, repeats));
  const sorted = [...samplesMs].sort((x, y) => x - y);
  return { ms: sorted[Math.floor(sorted.length / 2)] ?? first, samplesMs, repeats, abandoned: false };
}

export const gflops = (flops: number, ms: number) => flops / ms / 1e6;
