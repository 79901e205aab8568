/**
 * `npm run bench:certify`: what certification costs the verifier, against what it costs the worker.
 * For each size n, challenges are answered for real by the worker's challenge code on this machine's
 * WebGPU adapter (lavapipe without a GPU): A and B generated on the GPU, C = A·B with the challenge's
 * matmul kernel, read back, rows hashed into the Merkle tree, then opened. The verifier's CPU time
 * is the CPU time (process.cpuUsage) of createChallenge + openRequest + verifyOpening; the
 * worker's compute time is the product's time on the device. Each size is measured in the default
 * mode (whole opened rows, two Freivalds trials) and, on the same answers, in the sampled mode
 * (BENCH_CERTIFY_COLUMNS columns per opened row, no Freivalds). Figures are medians over the
 * repetitions; `verifyFraction` and `sampledVerifyFraction` are the worst over the sizes.
 */
import { createChallenge, DEFAULTS, openRequest, secureRandom, verifyOpening } from '@gpux/certification';
import { openGpu } from '../workers/gpu-worker/src/gpu/webgpu';
import { proveChallenge } from '../workers/gpu-worker/src/challenge';

const SIZES = (process.env['BENCH_CERTIFY_SIZES'] ?? '512,1024,2048').split(',').map(Number);
const REPS = Number(process.env['BENCH_CERTIFY_REPS'] ?? 5);
/** Columns per opened row in the sampled mode. */
const COLUMNS = Number(process.env['BENCH_CERTIFY_COLUMNS'] ?? 64);
const log = (msg: string) => process.stderr.write(`[bench:certify] ${msg}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** Runs `f`, with its wall time and the process's CPU time (user + system) in ms. */
function timed<T>(f: () => T): { value: T; wallMs: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const value = f();
  const wallMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

interface Sample {
  verifierCpuMs: number;
  verifierMs: number;
  verifyOpeningMs: number;
  sampledCpuMs: number;
  computeMs: number;
  generateMs: number;
  readbackMs: number;
  commitMs: number;
  workerTotalMs: number;
  workerOpenMs: number;
  measuredTflops: number;
}

async function main() {
  const gpu = await openGpu();
  const rng = secureRandom();
  log(`adapter: ${gpu.adapter.description || gpu.adapter.device}${gpu.adapter.isFallbackAdapter ? ' (software fallback)' : ''}`);
  const perSize: Record<string, unknown>[] = [];
  try {
    for (const n of SIZES) {
      const columns = Math.min(COLUMNS, n);
      // Warm-up: compiles the pipelines, gives the throughput to claim (half of it), and brings the
      // verifier's loops to their optimised code (a verifier service runs warm; the first
      // verifications of a size run at baseline speed while the JIT compiles).
      const warmChallenge = createChallenge({ n, precision: 'f32', claimedTflops: 1e-6, now: Date.now(), rng });
      const warm = await proveChallenge(gpu.device, warmChallenge);
      for (let i = 0; i < 3; i++) {
        for (const variant of [warmChallenge, { ...warmChallenge, checkColumns: columns, freivaldsTrials: 0 }]) {
          const request = openRequest(variant, warm.commitment, { rng, now: Date.now() });
          verifyOpening(variant, warm.commitment, request, warm.product.open(request), Date.now());
        }
      }
      const claimedTflops = (2 * n ** 3) / (warm.timings.computeMs / 1000) / 1e12 / 2;
      const samples: Sample[] = [];
      for (let rep = 0; rep < REPS; rep++) {
        // Default mode: every column of the opened rows, two Freivalds trials.
        const create = timed(() => createChallenge({ n, precision: 'f32', claimedTflops, now: Date.now(), rng }));
        const challenge = create.value;
        const proof = await proveChallenge(gpu.device, challenge);
        const ask = timed(() => openRequest(challenge, proof.commitment, { rng, now: Date.now() }));
        const answer = timed(() => proof.product.open(ask.value));
        const wire = JSON.parse(JSON.stringify(answer.value)) as typeof answer.value; // as it crosses the network
        const verify = timed(() => verifyOpening(challenge, proof.commitment, ask.value, wire, Date.now()));
        if (!verify.value.ok) throw new Error(`honest worker failed at n=${n}: ${verify.value.reason}: ${verify.value.detail}`);
        // The same answer checked in sampled mode: c columns per opened row, no Freivalds.
        const sampled = timed(() => {
          const sampledChallenge = { ...challenge, checkColumns: columns, freivaldsTrials: 0 };
          const request = openRequest(sampledChallenge, proof.commitment, { rng, now: Date.now() });
          return { sampledChallenge, request };
        });
        const sampledWire = JSON.parse(JSON.stringify(proof.product.open(sampled.value.request))) as typeof answer.value;
        const sampledVerify = timed(() => verifyOpening(sampled.value.sampledChallenge, proof.commitment, sampled.value.request, sampledWire, Date.now()));
        if (!sampledVerify.value.ok) throw new Error(`honest worker failed the sampled check at n=${n}: ${sampledVerify.value.reason}: ${sampledVerify.value.detail}`);
        const { computeMs, generateMs, readbackMs, commitMs, totalMs } = proof.timings;
        const sample: Sample = {
          verifierCpuMs: create.cpuMs + ask.cpuMs + verify.cpuMs,
          verifierMs: create.wallMs + ask.wallMs + verify.wallMs,
          verifyOpeningMs: verify.wallMs,
          sampledCpuMs: create.cpuMs + sampled.cpuMs + sampledVerify.cpuMs,
          computeMs,
          generateMs,
          readbackMs,
          commitMs,
          workerTotalMs: totalMs,
          workerOpenMs: answer.wallMs,
          measuredTflops: verify.value.measuredTflops,
        };
        if (process.env['BENCH_CERTIFY_VERBOSE']) log(`n=${n} rep ${rep}: ${JSON.stringify(sample)}`);
        samples.push(sample);
      }
      const med = (key: keyof Sample) => median(samples.map((s) => s[key]));
      const figures = {
        n,
        verifierCpuMs: round(med('verifierCpuMs')),
        verifierWallMs: round(med('verifierMs')),
        workerComputeMs: round(med('computeMs')),
        workerTotalMs: round(med('workerTotalMs')),
        workerOpenMs: round(med('workerOpenMs')),
        verifyFraction: round(med('verifierCpuMs') / med('computeMs'), 4),
        verifyFractionOfTotal: round(med('verifierCpuMs') / med('workerTotalMs'), 4),
        sampledVerifierCpuMs: round(med('sampledCpuMs')),
        sampledVerifyFraction: round(med('sampledCpuMs') / med('computeMs'), 4),
        gflops: round((2 * n ** 3) / (med('computeMs') / 1000) / 1e9, 1),
        certifiedGflops: round(med('measuredTflops') * 1000, 1),
        workerMs: { generate: round(med('generateMs')), compute: round(med('computeMs')), readback: round(med('readbackMs')), hashTree: round(med('commitMs')) },
      };
      log(JSON.stringify(figures));
      perSize.push(figures);
    }
  } finally {
    gpu.close();
  }
  const worst = (key: string) => Math.max(...perSize.map((f) => f[key] as number));
  process.stdout.write(
    JSON.stringify({
      bench: 'certify',
      verifyFraction: worst('verifyFraction'),
      sampledVerifyFraction: worst('sampledVerifyFraction'),
      sampledColumns: COLUMNS,
      openRows: DEFAULTS.openRows,
      freivaldsTrials: DEFAULTS.freivaldsTrials,
      target: 0.05,
      adapter: gpu.adapter.description || gpu.adapter.device,
      reps: REPS,
      sizes: perSize,
    }) + '\n',
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[bench:certify] ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
