#!/usr/bin/env node
/**
 * gpu-worker: the provider's agent. `gpu-worker --help` lists the commands (adapters, selftest,
 * benchmark, join), `gpu-worker <command> --help` their options; the table is cli/commands.ts.
 */
import { parseBenchmarkArgs, sizeProblem } from './benchmark/options';
import { formatReport } from './benchmark/report';
import { runBenchmark } from './benchmark/run';
import { dispatch } from './cli/dispatch';
import { packageVersion } from './cli/version';
import { adapterLabel } from './gpu/choose';
import { parseAdaptersArgs, parseSelftestArgs } from './gpu/options';
import { multiplyAdd } from './gpu/selftest';
import { togglesAskedFor } from './gpu/toggles';
import {
  AdapterChoiceError,
  AdapterDescription,
  listAdapters,
  NoAdapterError,
  openGpu,
  useDawnToggles,
} from './gpu/webgpu';
import { runJoin } from './join/command';

/** Bad options: one line on stderr that says what to fix, exit 2. */
function usageError(message: string): number {
  process.stderr.write(`gpu-worker: ${message}\n`);
  return 2;
}

function printAdapter(a: AdapterDescription): void {
  const kind = a.isFallbackAdapter ? ' (software fallback: not a GPU)' : '';
  process.stdout.write(
    `${adapterLabel(a)}${kind}\n  vendor ${a.vendor || '-'}, architecture ${a.architecture || '-'}, device ${a.device || '-'}, fallback ${a.isFallbackAdapter ? 'yes' : 'no'}\n` +
      `  f16: ${a.features.includes('shader-f16') ? 'yes' : 'no'}, timestamps: ${a.features.includes('timestamp-query') ? 'yes' : 'no'}, ` +
      `max storage buffer ${a.limits.maxStorageBufferBindingSize >> 20} MiB, workgroup memory ${a.limits.maxComputeWorkgroupStorageSize >> 10} KiB\n` +
      (a.dawnToggles.length > 0 ? `  ${togglesAskedFor(a.dawnToggles)}\n` : ''),
  );
}

async function adapters(args: string[]): Promise<number> {
  const parsed = parseAdaptersArgs(args, process.env);
  if (!parsed.ok) return usageError(parsed.error);
  useDawnToggles(parsed.options.dawnToggles);
  const found = await listAdapters();
  if (found.length === 0) throw new NoAdapterError();
  if (parsed.options.json)
    process.stdout.write(JSON.stringify(found.map((a, index) => ({ index, ...a }))) + '\n');
  else
    found.forEach((a, index) => {
      process.stdout.write(`${index}: `);
      printAdapter(a);
    });
  return 0;
}

async function selftest(args: string[]): Promise<number> {
  const parsed = parseSelftestArgs(args, process.env);
  if (!parsed.ok) return usageError(parsed.error);
  const { json } = parsed.options;
  useDawnToggles(parsed.options.dawnToggles);
  const gpu = await openGpu(parsed.options.adapter, parsed.options.adapterFrom);
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
    if (json)
      process.stdout.write(
        JSON.stringify({ ok, elements: n, wrong, adapter: gpu.adapter.description }) + '\n',
      );
    else
      process.stdout.write(
        ok ? `selftest passed: ${n} elements right\n` : `selftest FAILED: ${wrong} of ${n} elements wrong\n`,
      );
    return ok ? 0 : 1;
  } finally {
    gpu.close();
  }
}

async function benchmark(args: string[]): Promise<number> {
  const parsed = parseBenchmarkArgs(args, process.env);
  if (!parsed.ok) return usageError(parsed.error);
  const { options } = parsed;
  useDawnToggles(options.dawnToggles);
  const gpu = await openGpu(options.adapter, options.adapterFrom);
  try {
    const tooLarge = sizeProblem(options, gpu.device.limits);
    if (tooLarge) return usageError(tooLarge);
    const report = await runBenchmark(gpu, options, (message) =>
      process.stderr.write(`[benchmark] ${message}\n`),
    );
    process.stdout.write(options.json ? JSON.stringify(report) + '\n' : formatReport(report));
    return report.ok ? 0 : 1;
  } finally {
    gpu.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const what = dispatch(argv);
  switch (what.kind) {
    case 'help':
      process.stdout.write(what.text);
      return 0;
    case 'version': {
      const version = packageVersion(__dirname);
      if (version === undefined) throw new Error(`no package.json with a version above ${__dirname}`);
      process.stdout.write(`${version}\n`);
      return 0;
    }
    case 'error':
      return usageError(what.message);
    case 'run':
      switch (what.command) {
        case 'adapters':
          return adapters(what.args);
        case 'selftest':
          return selftest(what.args);
        case 'benchmark':
          return benchmark(what.args);
        case 'join':
          return runJoin(what.args);
      }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A --adapter that fits no adapter is a bad option, like the others.
    if (error instanceof AdapterChoiceError) process.exit(usageError(error.message));
    process.stderr.write(`gpu-worker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
