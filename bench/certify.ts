/**
 * `npm run bench:certify`: what certification (protocol version 3) costs the verifier, and how
 * close the certified figure comes to what the GPU delivers, on this machine's WebGPU adapter
 * (lavapipe without a GPU).
 *
 * At each size n of BENCH_CERTIFY_SIZES (default `auto`: each precision at the size capacity would
 * give its claim on this GPU, found as `gpu-worker join` finds it; or a list, e.g. 512,1024) and
 * each precision (f32, and f16 where the adapter has shader-f16): the `gpu-worker benchmark` figure
 * at that precision and n (the same code as the command, same run); then REPS challenges of that
 * precision at the defaults, claimed at half that figure as `gpu-worker join` claims, sized for
 * BENCH_CERTIFY_TARGET_SECONDS (default 10, the protocol's default): generated, multiplied and
 * hashed on the GPU by the worker's prover with the tuned kernel of the precision (f16: the
 * f32-accumulating f16 kernel), committed, opened (the opened products computed again), verified.
 *
 * - verifyFraction: the verifier's CPU time (process.cpuUsage of createChallenge + openRequest +
 *   verifyOpening) ÷ the challenge's time (issue to commitment): what checking costs against the
 *   work it checks. Target ≤ 0.05.
 * - certifiedToBenchmark: the certified TFLOP/s (the verifier's clock, issue to commitment) ÷ the
 *   benchmark figure measured just before and after that challenge (their mean), median over the
 *   challenges. Target ≥ 0.8. No network here: the e2e suite has the round trip, which is
 *   noise beside a 10-second challenge.
 * - joinMeasuredToBenchmark (per size and precision): the rate `gpu-worker join` measures for its
 *   claim (its own code, join/claim.ts) ÷ the benchmark figure: near 1 when a join's claim follows
 *   what the GPU delivers.
 * Figures are medians over the repetitions; the summary takes the worst size and precision. Last
 * line: JSON.
 */
import {
  challengeSizeFor,
  createChallenge,
  DEFAULT_SIZING,
  DEFAULTS,
  openRequest,
  PROTOCOL_VERSION,
  secureRandom,
  verifyOpening,
} from '@gpux/certification';
import { runBenchmark } from '../workers/gpu-worker/src/benchmark/run';
import { proveChallenge, tunedHalfMatmul, tunedMatmul } from '../workers/gpu-worker/src/challenge';
import { parseDawnToggles } from '../workers/gpu-worker/src/gpu/toggles';
import { measureClaim, SAFETY_FACTOR } from '../workers/gpu-worker/src/join/claim';
import { GpuContext, openGpu, useDawnToggles } from '../workers/gpu-worker/src/gpu/webgpu';

/** The sizes n to certify at, each in every precision; `auto` (the default): each precision at the size its claim picks. */
const SIZES_SETTING = (process.env['BENCH_CERTIFY_SIZES'] ?? 'auto').trim();
/** With `auto`: the sizing's least product time, ms, as capacity's CHALLENGE_PRODUCT_MS (default 5). */
const SIZING = {
  ...DEFAULT_SIZING,
  productMs: Number(process.env['BENCH_CERTIFY_PRODUCT_MS'] ?? DEFAULT_SIZING.productMs),
};
const REPS = Number(process.env['BENCH_CERTIFY_REPS'] ?? 3);
const TARGET_MS = Number(process.env['BENCH_CERTIFY_TARGET_SECONDS'] ?? DEFAULTS.targetMs / 1000) * 1000;
const log = (msg: string) => process.stderr.write(`[bench:certify] ${msg}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** Runs `f`, with the process's CPU time (user + system) in ms. */
function cpuTimed<T>(f: () => T): { value: T; cpuMs: number } {
  const cpu = process.cpuUsage();
  const value = f();
  const used = process.cpuUsage(cpu);
  return { value, cpuMs: (used.user + used.system) / 1000 };
}

type BenchPrecision = 'f32' | 'f16';

/**
 * The benchmark's figure (GFLOP/s) of each precision the adapter has (or of `only`), at n, tuned
 * at n; its progress on stderr, so a run cut short still says where its time went.
 */
async function figuresAt(
  gpu: GpuContext,
  n: number,
  only?: BenchPrecision[],
): Promise<Map<BenchPrecision, number>> {
  const report = await runBenchmark(
    gpu,
    { sizes: [n], tuneSize: n, retune: false, json: true, ...(only ? { only } : {}) },
    (m) => log(`[sizing n=${n}] ${m}`),
  );
  const figures = new Map<BenchPrecision, number>();
  for (const p of report.precisions) {
    const gflops = p.sizes[0]?.gflops;
    if (gflops) figures.set(p.precision, gflops);
  }
  return figures;
}

/**
 * BENCH_CERTIFY_SIZES=auto: the size capacity would give each precision's challenges on this GPU,
 * found as `gpu-worker join` finds it (docs/certification.md, "The size of a challenge"): the claim
 * (half the figure) measured at the smallest size, then at the size it picks, until the size stays.
 */
async function sizesForClaims(gpu: GpuContext): Promise<{ n: number; precisions: BenchPrecision[] }[]> {
  const byN = new Map<number, BenchPrecision[]>();
  const first = await figuresAt(gpu, SIZING.minSize);
  for (const [precision, gflops] of first) {
    let n = SIZING.minSize;
    let figure: number | undefined = gflops;
    for (;;) {
      if (figure === undefined)
        throw new Error(`the benchmark found no verified ${precision} figure at n=${n}`);
      const sized = challengeSizeFor((figure / 1000) * SAFETY_FACTOR, SIZING);
      log(
        `${precision}: ${round(figure, 3)} GFLOP/s at n=${n}: a claim of half that is challenged at n=${sized}`,
      );
      if (sized <= n) {
        n = sized;
        break;
      }
      n = sized;
      figure = (await figuresAt(gpu, n, [precision])).get(precision);
    }
    byN.set(n, [...(byN.get(n) ?? []), precision]);
  }
  return [...byN].sort(([a], [b]) => a - b).map(([n, precisions]) => ({ n, precisions }));
}

async function main() {
  // GPUX_DAWN_TOGGLES, as the worker takes it (e.g. vulkan_enable_f16_on_nvidia,allow_unsafe_apis).
  const toggles = parseDawnToggles(process.env['GPUX_DAWN_TOGGLES'] ?? '', 'GPUX_DAWN_TOGGLES');
  if (!toggles.ok) throw new Error(toggles.error);
  useDawnToggles(toggles.toggles);
  const gpu = await openGpu();
  const rng = secureRandom();
  const adapter = gpu.adapter.description || gpu.adapter.device;
  log(`adapter: ${adapter}${gpu.adapter.isFallbackAdapter ? ' (software fallback)' : ''}`);
  const perSize: Record<string, unknown>[] = [];
  const kernelsUsed: Record<string, string>[] = [];
  const plan =
    SIZES_SETTING === 'auto'
      ? await sizesForClaims(gpu)
      : SIZES_SETTING.split(',').map((n) => ({ n: Number(n), precisions: undefined }));
  for (const { n, precisions: only } of plan) {
    // Tuned at this size, as the worker tunes at its challenges' size; the benchmark figure is
    // measured with the same tuning, so the ratio compares like with like.
    // Only the precisions certified at this size are tuned and benchmarked here (auto sizing
    // certifies each claim at its own size: tuning the other there cost the H200 minutes).
    const onProgress = (m: string) => log(`[autotune n=${n}] ${m}`);
    const wanted = (p: BenchPrecision) => !only || only.includes(p);
    const tuned = wanted('f32')
      ? await tunedMatmul(gpu.device, gpu.adapter, { size: n, onProgress })
      : undefined;
    const half = wanted('f16')
      ? await tunedHalfMatmul(gpu.device, gpu.adapter, { size: n, onProgress })
      : undefined;
    log(
      `challenge kernels at n=${n}: f32 ${tuned?.variant ?? 'not certified here'}, f16 ${half?.variant ?? (wanted('f16') ? 'none (no shader-f16)' : 'not certified here')}`,
    );
    kernelsUsed.push({
      n: String(n),
      ...(tuned ? { f32: tuned.variant } : {}),
      ...(half ? { f16: half.variant } : {}),
    });
    const kernels = {
      ...(tuned ? { matmul: tuned.runner } : {}),
      ...(half ? { matmulF16: half.runner } : {}),
    };
    const precisions: BenchPrecision[] = [
      ...(tuned ? ['f32' as const] : []),
      ...(half ? ['f16' as const] : []),
    ];
    try {
      const report = await runBenchmark(
        gpu,
        { sizes: [n], tuneSize: n, retune: false, json: true, only: precisions },
        () => undefined,
      );
      for (const precision of precisions) {
        const benchmarked = report.precisions.find((p) => p.precision === precision);
        const benchmarkGflops = benchmarked?.sizes[0]?.gflops;
        if (!benchmarkGflops)
          throw new Error(`the benchmark found no verified ${precision} figure at n=${n}`);
        const claimedTflops = (benchmarkGflops / 1000) * SAFETY_FACTOR;
        // Warm-up: compiles the pipelines and brings the verifier's loops to their optimised code.
        const warm = createChallenge({ n, products: 2, precision, claimedTflops, now: Date.now(), rng });
        const warmProof = await proveChallenge(gpu.device, warm, kernels);
        for (let i = 0; i < 3; i++) {
          const request = openRequest(warm, warmProof.commitment, { rng, now: Date.now() });
          verifyOpening(
            warm,
            warmProof.commitment,
            request,
            await (i === 0
              ? warmProof.open(request)
              : (await proveChallenge(gpu.device, warm, kernels)).open(request)),
            Date.now(),
          );
        }
        const samples: {
          verifierCpuMs: number;
          challengeMs: number;
          certifiedGflops: number;
          products: number;
          computeMs: number;
          generateMs: number;
          hashMs: number;
          openMs: number;
        }[] = [];
        // The benchmark figure is sampled again before every challenge and the median taken, so
        // both sides of the ratio are measured over the same minutes (one short sample against a
        // 10-second challenge read a busy or idle moment of a shared machine as the GPU's speed).
        const benchmarkSamples = [benchmarkGflops];
        const benchmarkNow = async () => {
          const again = await runBenchmark(
            gpu,
            { sizes: [n], tuneSize: n, retune: false, json: true, only: [precision] },
            () => undefined,
          );
          const gflops = again.precisions.find((p) => p.precision === precision)?.sizes[0]?.gflops;
          if (gflops) benchmarkSamples.push(gflops);
        };
        for (let rep = 0; rep < REPS; rep++) {
          if (rep > 0) await benchmarkNow();
          const create = cpuTimed(() =>
            createChallenge({ n, precision, claimedTflops, now: Date.now(), rng, targetMs: TARGET_MS }),
          );
          const challenge = create.value;
          const proof = await proveChallenge(gpu.device, challenge, kernels);
          const ask = cpuTimed(() => openRequest(challenge, proof.commitment, { rng, now: Date.now() }));
          const openStart = performance.now();
          const opening = await proof.open(ask.value);
          const openMs = performance.now() - openStart;
          const wire = JSON.parse(JSON.stringify(opening)) as typeof opening; // as it crosses the network
          const verify = cpuTimed(() =>
            verifyOpening(challenge, proof.commitment, ask.value, wire, Date.now()),
          );
          if (!verify.value.ok)
            throw new Error(
              `honest ${precision} worker failed at n=${n}: ${verify.value.reason}: ${verify.value.detail}`,
            );
          const sample = {
            verifierCpuMs: create.cpuMs + ask.cpuMs + verify.cpuMs,
            challengeMs: verify.value.elapsedMs,
            certifiedGflops: verify.value.measuredTflops * 1000,
            products: challenge.products,
            computeMs: proof.timings.computeMs,
            generateMs: proof.timings.generateMs,
            hashMs: proof.timings.hashMs,
            openMs,
          };
          log(
            `${precision} n=${n} rep ${rep}: ${JSON.stringify(Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, round(v)])))}`,
          );
          samples.push(sample);
        }
        await benchmarkNow(); // and once after the last
        // What `gpu-worker join` measures for its claim here, with its own code: a rate of products.
        const joinClaim = await measureClaim(
          async (c) => {
            const proof = await proveChallenge(gpu.device, c, kernels);
            proof.discard();
            return proof.timings.totalMs;
          },
          n,
          precision,
        );
        const med = (key: keyof (typeof samples)[number]) => median(samples.map((s) => s[key]));
        // Sample i was taken just before challenge i and sample i + 1 just after it (the last one
        // after the last challenge); one that failed its check is missing, and then the median of
        // all stands in for both neighbours.
        const around = (i: number) =>
          benchmarkSamples.length === samples.length + 1
            ? ((benchmarkSamples[i] ?? NaN) + (benchmarkSamples[i + 1] ?? NaN)) / 2
            : median(benchmarkSamples);
        const pairedRatios = samples.map((s, i) => s.certifiedGflops / around(i));
        const figures = {
          precision,
          kernel: precision === 'f16' ? half?.variant : tuned?.variant,
          benchmarkKernel: benchmarked?.variant,
          n,
          products: med('products'),
          benchmarkGflops: round(median(benchmarkSamples), 3),
          benchmarkSamples: benchmarkSamples.map((x) => round(x, 3)),
          claimedGflops: round(claimedTflops * 1000, 3),
          // The rate a join's claim is half of, against the benchmark (near 1 when it tracks the GPU).
          joinMeasuredGflops: round(joinClaim.measuredTflops * 1000, 3),
          joinMeasuredToBenchmark: round((joinClaim.measuredTflops * 1000) / median(benchmarkSamples), 3),
          // The size capacity would give a challenge at this claim (docs/certification.md, "The
          // size of a challenge"): where it is not n, a join on this GPU runs at that size instead.
          sizeForClaim: challengeSizeFor(claimedTflops),
          certifiedGflops: round(med('certifiedGflops'), 3),
          // Each challenge against the benchmark samples just before and after it (the same
          // minutes of a machine whose speed drifts), then the median over the challenges.
          certifiedToBenchmark: round(median(pairedRatios), 3),
          pairedRatios: pairedRatios.map((x) => round(x, 3)),
          challengeMs: round(med('challengeMs')),
          verifierCpuMs: round(med('verifierCpuMs')),
          verifyFraction: round(med('verifierCpuMs') / med('challengeMs'), 5),
          workerMs: {
            generate: round(med('generateMs')),
            compute: round(med('computeMs')),
            hashAndRoots: round(med('hashMs')),
            open: round(med('openMs')),
          },
        };
        log(JSON.stringify(figures));
        perSize.push(figures);
      }
    } finally {
      tuned?.destroy();
      half?.destroy();
    }
  }
  gpu.close();
  const worst = (key: string, pick: (...xs: number[]) => number) =>
    pick(...perSize.map((f) => f[key] as number));
  process.stdout.write(
    JSON.stringify({
      bench: 'certify',
      protocol: PROTOCOL_VERSION,
      verifyFraction: worst('verifyFraction', Math.max),
      certifiedToBenchmark: worst('certifiedToBenchmark', Math.min),
      joinMeasuredToBenchmark: worst('joinMeasuredToBenchmark', Math.min),
      targets: { verifyFraction: 0.05, certifiedToBenchmark: 0.8 },
      targetSeconds: TARGET_MS / 1000,
      openLeaves: DEFAULTS.openLeaves,
      checkColumns: DEFAULTS.checkColumns,
      // The largest size's kernels (each size's: `kernels`).
      kernel: [...kernelsUsed].reverse().find((k) => k['f32'])?.['f32'] ?? null,
      kernelF16: [...kernelsUsed].reverse().find((k) => k['f16'])?.['f16'] ?? null,
      kernels: kernelsUsed,
      adapter,
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
