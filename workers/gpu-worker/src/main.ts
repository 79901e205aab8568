#!/usr/bin/env node
/**
 * gpu-worker: the provider's agent. Commands so far:
 *   adapters [--json]   list the WebGPU adapters Dawn finds on this machine
 *   selftest [--json]   run a small compute shader on the chosen adapter and check every element
 *   benchmark [...]      autotune the matmul kernels, measure GFLOP/s and memory bandwidth
 *   join [...]           certify the node through the gateway, then heartbeat and answer spot challenges
 */
import { parseBenchmarkArgs } from './benchmark/options';
import { formatReport } from './benchmark/report';
import { runBenchmark } from './benchmark/run';
import { multiplyAdd } from './gpu/selftest';
import { AdapterDescription, listAdapters, NoAdapterError, openGpu } from './gpu/webgpu';
import { runJoin } from './join/command';

const USAGE = `usage: gpu-worker <command> [options]

commands:
  adapters [--json]   list the WebGPU adapters on this machine
  selftest [--json]   run a compute shader on the chosen adapter and verify its output
  benchmark [--sizes 256,512,1024] [--model NAME] [--retune] [--json]
                      autotune the matmul kernels (f32, and f16 where the adapter has shader-f16),
                      then report GFLOP/s per precision and size, each result checked (Freivalds),
                      the memory bandwidth in GB/s, and the efficiency against the model's peak
                      (--model: H100-80GB, H200, A100-80GB, RTX-4090, L4). The tuned choice is
                      cached per adapter in $GPUX_AUTOTUNE_CACHE (default
                      ~/.cache/gpu-exchange/autotune.json); --retune measures again.
                      Progress goes to stderr; --json prints one JSON object on stdout.
  join [--gateway URL] [--credential-file FILE] [--claim-tflops X] [--once] [--json]
                      join the marketplace as a registered node: print the adapter, certify the
                      node with a matmul challenge on this GPU (autotuned kernel) when it is not
                      certified or soon expires, then heartbeat and answer spot challenges until
                      stopped (SIGINT/SIGTERM: exit 0). Losing the gateway means retrying (1 s
                      doubling to 30 s, with jitter) and joining again.
                      --gateway URL        the gateway's GraphQL URL (default $GPUX_GATEWAY_URL,
                                           else http://127.0.0.1:4000/graphql)
                      --credential-file F  the node credential from registerNode, or else
                                           $GPUX_NODE_CREDENTIAL (never on the command line);
                                           a refused (unknown or revoked) one: one line, exit 3
                      --claim-tflops X     the throughput to certify, which sets the challenge's
                                           deadline (default: measured here at the challenge
                                           size, halved)
                      --once               certify if needed and exit: 0 certified, 1 not
                      --json               one JSON object per event on stdout
  exit codes: 0 done, 1 failed, 2 bad options, 3 credential refused (join)
`;

function printAdapter(a: AdapterDescription): void {
  const kind = a.isFallbackAdapter ? ' (software fallback: not a GPU)' : '';
  process.stdout.write(
    `${a.description || a.device}${kind}\n  vendor ${a.vendor}, architecture ${a.architecture}, device ${a.device}\n` +
      `  f16: ${a.features.includes('shader-f16') ? 'yes' : 'no'}, timestamps: ${a.features.includes('timestamp-query') ? 'yes' : 'no'}, ` +
      `max storage buffer ${a.limits.maxStorageBufferBindingSize >> 20} MiB, workgroup memory ${a.limits.maxComputeWorkgroupStorageSize >> 10} KiB\n`,
  );
}

async function adapters(json: boolean): Promise<number> {
  const found = await listAdapters();
  if (found.length === 0) throw new NoAdapterError();
  if (json) process.stdout.write(JSON.stringify(found) + '\n');
  else found.forEach(printAdapter);
  return 0;
}

async function selftest(json: boolean): Promise<number> {
  const gpu = await openGpu();
  try {
    if (!json) {
      process.stdout.write('adapter: ');
      printAdapter(gpu.adapter);
    }
    const n = 1 << 16;
    const a = Float32Array.from({ length: n }, (_, i) => (i % 251) / 8);
    const b = Float32Array.from({ length: n }, (_, i) => ((i * 7) % 127) / 4);
    const out = await multiplyAdd(gpu.device, a, b);
    let wrong = 0;
    out.forEach((value, i) => {
      const expected = Math.fround(Math.fround((a[i] ?? NaN) * (b[i] ?? NaN)) + i);
      // The driver may fuse a*b+i into one FMA: allow one rounding step.
      if (!(Math.abs(value - expected) <= Math.abs(expected) * 2 ** -23 + 1e-6)) wrong++;
    });
    const ok = wrong === 0;
    if (json) process.stdout.write(JSON.stringify({ ok, elements: n, wrong, adapter: gpu.adapter.description }) + '\n');
    else process.stdout.write(ok ? `selftest passed: ${n} elements right\n` : `selftest FAILED: ${wrong} of ${n} elements wrong\n`);
    return ok ? 0 : 1;
  } finally {
    gpu.close();
  }
}

async function benchmark(args: string[]): Promise<number> {
  const parsed = parseBenchmarkArgs(args);
  if (!parsed.ok) {
    process.stderr.write(`gpu-worker: ${parsed.error}\n`);
    return 2;
  }
  const { options } = parsed;
  const gpu = await openGpu();
  try {
    const report = await runBenchmark(gpu, options, (message) => process.stderr.write(`[benchmark] ${message}\n`));
    process.stdout.write(options.json ? JSON.stringify(report) + '\n' : formatReport(report));
    return report.ok ? 0 : 1;
  } finally {
    gpu.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const [command, ...rest] = argv.filter((a) => a !== '--json');
  // benchmark parses its own options (--json among them), wherever they stand.
  if (command === 'benchmark') return benchmark(argv.filter((_, i) => i !== argv.indexOf('benchmark')));
  if (command === 'join') return runJoin(argv.filter((_, i) => i !== argv.indexOf('join')));
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const unknownFlag = rest.find((a) => a.startsWith('-'));
  if (unknownFlag) {
    process.stderr.write(`gpu-worker: unknown option ${unknownFlag} for ${command} (its only option is --json; see gpu-worker help)\n`);
    return 2;
  }
  switch (command) {
    case 'adapters':
      return adapters(json);
    case 'selftest':
      return selftest(json);
    default:
      process.stderr.write(`gpu-worker: unknown command "${command}" (commands: adapters, selftest, benchmark, join; see gpu-worker help)\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`gpu-worker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
