/**
 * `npm run bench:kernels`: GFLOP/s of every matmul kernel variant of the GPU worker at square
 * sizes (256, 512, 1024; `BENCH_KERNELS_SIZES` to change), f32 and, where the adapter has
 * shader-f16, f16; the autotuned choice at the largest size; the memory bandwidth; and, in the
 * same run on the same adapter and sizes, TF.js's WebGPU backend `matMul` as the peer. The
 * headline (`bestGflops`, `peerGflops`, `ratio`) is measured in pairs at the largest size, ours
 * then the peer's, so that both sides of a ratio ran on the same machine (pairedHeadline).
 * Every product is checked (Freivalds) before its figure counts. No Kafka or Redis.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { create } from 'webgpu';
import { parseDawnToggles } from '../workers/gpu-worker/src/gpu/toggles';
import { openGpu, useDawnToggles } from '../workers/gpu-worker/src/gpu/webgpu';
import {
  autotune,
  createMatmul,
  createMatrixBuffer,
  freivalds,
  gflops,
  measureBandwidth,
  type Precision,
  randomMatrix,
  readMatrix,
  roundTo,
  seededRandom,
  timeGpu,
  uploadMatrix,
} from '../workers/gpu-worker/src/kernels';

const SIZES = (process.env['BENCH_KERNELS_SIZES'] ?? '256,512,1024').split(',').map(Number);
const N = Math.max(...SIZES);
/** Pairs of the headline (ours, then TF.js, at the largest size): BENCH_KERNELS_ROUNDS, default 5. */
const ROUNDS = Math.max(1, Number(process.env['BENCH_KERNELS_ROUNDS'] ?? 5) || 5);
const log = (msg: string) => process.stderr.write(`[bench:kernels] ${msg}\n`);
const round = (x: number | null) => (x === null ? null : Number(x.toFixed(2)));

type Inputs = { a: Float32Array; b: Float32Array };
const inputs = new Map<number, Inputs>();
function inputsFor(n: number): Inputs {
  let found = inputs.get(n);
  if (!found) {
    const random = seededRandom(n);
    found = { a: randomMatrix(n * n, random), b: randomMatrix(n * n, random) };
    inputs.set(n, found);
  }
  return found;
}

/** GFLOP/s of one variant at one size, null when its product failed the check. */
async function measure(
  device: GPUDevice,
  precision: Precision,
  variant: string,
  n: number,
): Promise<number | null> {
  const matmul = await createMatmul(device, { precision, variant });
  const { a, b } = inputsFor(n);
  const buffers = [
    uploadMatrix(device, a, precision),
    uploadMatrix(device, b, precision),
    createMatrixBuffer(device, n * n, precision),
  ] as const;
  try {
    const timing = await timeGpu(
      device,
      (encoder) => matmul.encode(encoder, buffers[0], buffers[1], buffers[2], n, n, n),
      { runs: 3 },
    );
    const c = await readMatrix(device, buffers[2], n * n, precision);
    if (!freivalds({ a: roundTo(a, precision), b: roundTo(b, precision), c, m: n, n, k: n, precision }).ok)
      return null;
    return gflops(matmul.flops(n, n, n), timing.ms);
  } finally {
    for (const buffer of buffers) buffer.destroy();
    matmul.destroy();
  }
}

/** TF.js' matMul, opened once: GFLOP/s of one n × n product (median of three after a warm-up). */
interface Peer {
  time(n: number): Promise<number | null>;
}

/**
 * TF.js needs `navigator.gpu`, and registers its backend when imported only if it is there: so
 * the import comes after. The instance is a second Dawn instance of the same npm `webgpu` (the
 * worker's own is private to webgpu.ts), held by `navigator` for the life of the process.
 */
async function openPeer(): Promise<Peer> {
  const gpu = create([]);
  const global = globalThis as { navigator?: object };
  if (global.navigator === undefined)
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  else Object.defineProperty(global.navigator, 'gpu', { value: gpu, configurable: true });
  const tf: typeof TF = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed');
  await tf.ready();
  return {
    async time(n) {
      const { a, b } = inputsFor(n);
      const ta = tf.tensor2d(a, [n, n]);
      const tb = tf.tensor2d(b, [n, n]);
      try {
        const once = async () => {
          const start = performance.now();
          const c = tf.matMul(ta, tb);
          const data = (await c.data()) as Float32Array;
          const ms = performance.now() - start;
          c.dispose();
          return { ms, data };
        };
        await once(); // warm-up: shader compilation, buffer pools
        const first = await once();
        const times = [first.ms, (await once()).ms, (await once()).ms].sort((x, y) => x - y);
        const ok = freivalds({ a, b, c: first.data, m: n, n, k: n, precision: 'f32' }).ok;
        return ok ? gflops(2 * n ** 3, times[1] ?? first.ms) : null; // the median of three
      } finally {
        ta.dispose();
        tb.dispose();
      }
    },
  };
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  const high = sorted[mid] ?? 0;
  return sorted.length % 2 ? high : ((sorted[mid - 1] ?? high) + high) / 2;
};

/**
 * The headline, measured in pairs: the best f32 kernel and TF.js at the largest size, one after
 * the other, `rounds` times. A host whose CPU is contended for a while (a shared VM: figures here
 * move by 2x within minutes) then slows both sides of a pair alike, where measuring ours during
 * tuning and the peer a minute later compared two different machines. The ratio is the median of
 * the pairs' ratios; each side's figure the median of its own.
 */
async function pairedHeadline(
  device: GPUDevice,
  variant: string,
  peer: Peer,
  rounds: number,
): Promise<{ ours: number; peer: number; ratio: number; ratios: number[] } | null> {
  const ours: number[] = [];
  const theirs: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const mine = await measure(device, 'f32', variant, N);
    const peerRate = await peer.time(N);
    if (mine === null || peerRate === null) return null;
    ours.push(mine);
    theirs.push(peerRate);
    ratios.push(mine / peerRate);
    log(
      `pair ${round + 1}/${rounds} at n=${N}: ${variant} ${mine.toFixed(2)}, TF.js ${peerRate.toFixed(2)} GFLOP/s (${(mine / peerRate).toFixed(2)}x)`,
    );
  }
  return { ours: median(ours), peer: median(theirs), ratio: median(ratios), ratios };
}

async function main() {
  // GPUX_DAWN_TOGGLES, as the worker takes it (e.g. vulkan_enable_f16_on_nvidia,allow_unsafe_apis).
  const toggles = parseDawnToggles(process.env['GPUX_DAWN_TOGGLES'] ?? '', 'GPUX_DAWN_TOGGLES');
  if (!toggles.ok) throw new Error(toggles.error);
  useDawnToggles(toggles.toggles);
  const gpu = await openGpu();
  const { device, adapter } = gpu;
  log(`adapter: ${adapter.description || adapter.device}; sizes ${SIZES.join(', ')}`);
  const precisions: Precision[] = device.features.has('shader-f16') ? ['f32', 'f16'] : ['f32'];
  const variants: Record<string, Record<number, number | null>> = {};
  const best = new Map<Precision, { variant: string; gflops: number }>();
  for (const precision of precisions) {
    // The tuner times every variant at the largest size; the smaller sizes are measured here.
    const tuned = await autotune(device, {
      precision,
      adapter,
      size: N,
      cachePath: null,
      retune: true,
      onProgress: (m) => log(`tune ${m}`),
    });
    best.set(precision, { variant: tuned.variant.name, gflops: tuned.gflops });
    for (const result of tuned.results) {
      const row: Record<number, number | null> = { [N]: round(result.gflops) };
      for (const n of SIZES.filter((s) => s !== N)) {
        row[n] = result.correct ? round(await measure(device, precision, result.variant, n)) : null;
      }
      variants[result.variant] = row;
      log(`${result.variant}: ${SIZES.map((n) => `n=${n} ${row[n] ?? 'failed'}`).join(', ')}`);
    }
  }
  log('memory bandwidth');
  const bandwidth = await measureBandwidth(device);

  log('peer: TF.js (tfjs-core + tfjs-backend-webgpu) matMul, f32');
  const f32 = best.get('f32') ?? { variant: '-', gflops: 0 }; // autotune throws rather than leave it out
  const f16 = best.get('f16');
  const tfjs: { gflops: Record<number, number | null>; error: string | null } = { gflops: {}, error: null };
  let paired: Awaited<ReturnType<typeof pairedHeadline>> = null;
  try {
    const peer = await openPeer();
    for (const n of SIZES) {
      const rate = await peer.time(n);
      tfjs.gflops[n] = rate;
      log(`TF.js webgpu matMul n=${n}: ${rate === null ? 'WRONG result' : `${rate.toFixed(2)} GFLOP/s`}`);
    }
    paired = await pairedHeadline(device, f32.variant, peer, ROUNDS);
  } catch (error) {
    tfjs.error = error instanceof Error ? error.message : String(error);
    log(`TF.js could not run: ${tfjs.error}`);
  }
  gpu.close();
  const peerGflops = paired?.peer ?? tfjs.gflops[N] ?? null;

  const table = Object.entries(variants).map(
    ([name, row]) => `${name.padEnd(30)} ${SIZES.map((n) => String(row[n] ?? '-').padStart(8)).join(' ')}`,
  );
  process.stdout.write(
    [
      `adapter: ${adapter.description || adapter.device}`,
      `${'GFLOP/s'.padEnd(30)} ${SIZES.map((n) => `n=${n}`.padStart(8)).join(' ')}`,
      ...table,
      `${'TF.js webgpu matMul (f32)'.padEnd(30)} ${SIZES.map((n) => String(round(tfjs.gflops[n] ?? null) ?? '-').padStart(8)).join(' ')}`,
      `memory bandwidth ${bandwidth.verified ? bandwidth.gbps.toFixed(2) : 'FAILED'} GB/s`,
      '',
    ].join('\n'),
  );
  process.stdout.write(
    JSON.stringify({
      bench: 'kernels',
      adapter: adapter.description || adapter.device,
      n: N,
      bestGflops: round(paired?.ours ?? f32.gflops),
      bestVariant: f32.variant,
      peerGflops: round(peerGflops),
      ratio: paired
        ? Number(paired.ratio.toFixed(2))
        : peerGflops
          ? Number((f32.gflops / peerGflops).toFixed(2))
          : null,
      pairedRatios: paired ? paired.ratios.map((r) => Number(r.toFixed(2))) : null,
      tunedGflops: round(f32.gflops),
      ...(tfjs.error ? { peerError: tfjs.error } : {}),
      f16BestGflops: f16 ? round(f16.gflops) : null,
      f16BestVariant: f16?.variant ?? null,
      bandwidthGBps: bandwidth.verified ? round(bandwidth.gbps) : null,
      sizes: SIZES,
      peer: Object.fromEntries(SIZES.map((n) => [n, round(tfjs.gflops[n] ?? null)])),
      variants,
    }) + '\n',
  );
  // TF.js keeps its device's event loop handles alive; the figures are out, so leave now.
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[bench:kernels] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
