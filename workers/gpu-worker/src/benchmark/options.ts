/**
 * `gpu-worker benchmark` options. Pure, so every message a user can get is unit-tested; each
 * error is one line that says what to type instead.
 */
import { findModel, MODELS } from '@gpux/certification';
import { COMMANDS, DEFAULT_SIZES } from '../cli/commands';
import { readOptions, stringValue } from '../cli/options';
import { AdapterOption, adapterOption, dawnTogglesOption } from '../gpu/options';
import type { DawnToggles } from '../gpu/toggles';

export { DEFAULT_SIZES };

export interface BenchmarkOptions extends AdapterOption {
  sizes: number[];
  model?: string;
  /** Dawn toggles for the process's instance (--dawn-toggles, GPUX_DAWN_TOGGLES); absent: none. */
  dawnToggles?: DawnToggles;
  /** The square size the kernels are tuned at (--tune-size); absent: the autotuner's 512. */
  tuneSize?: number;
  retune: boolean;
  json: boolean;
}

/**
 * The largest square the options take: 16384 (a 1 GiB f32 matrix), past the 8192 an H200's f16
 * claim is challenged at. Whether a size fits the adapter (WebGPU guarantees a 128 MiB storage
 * binding, 4096 in f32; an H200 has 2 GiB) is checked once it is open (sizeProblem).
 */
export const MAX_SIZE = 16384;

/**
 * Why a size asked for does not fit this adapter (an n×n f32 matrix in one storage buffer), as the
 * line to print (exit 2, before any tuning); null when every size fits.
 */
export function sizeProblem(
  options: Pick<BenchmarkOptions, 'sizes' | 'tuneSize'>,
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number },
): string | null {
  const most = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const fits = (n: number) => n * n * 4 <= most;
  const largest = Math.floor(Math.sqrt(most / 4));
  const say = (option: string, n: number) =>
    `${option} ${n} does not fit this adapter: an ${n}×${n} f32 matrix is ${n * n * 4} bytes, its storage buffers take at most ${most} (the largest size here is ${largest})`;
  if (options.tuneSize !== undefined && !fits(options.tuneSize)) return say('--tune-size', options.tuneSize);
  const over = options.sizes.find((n) => !fits(n));
  return over === undefined ? null : say('--sizes', over);
}

export type Parsed = { ok: true; options: BenchmarkOptions } | { ok: false; error: string };

function parseSizes(text: string): number[] | string {
  const parts = text.split(',').map((s) => s.trim());
  const sizes = parts.map(Number);
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p)) || sizes.some((n) => n < 1 || n > MAX_SIZE))
    return `--sizes expects a comma-separated list of whole numbers from 1 to ${MAX_SIZE}, e.g. --sizes 256,512,1024 (got "${text}")`;
  return [...new Set(sizes)].sort((a, b) => a - b);
}

export function parseBenchmarkArgs(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Parsed {
  const spec = COMMANDS.benchmark;
  const read = readOptions(spec, args);
  if (!read.ok) return read;
  const { values } = read;
  const options: BenchmarkOptions = {
    sizes: DEFAULT_SIZES,
    retune: values['retune'] === true,
    json: values['json'] === true,
  };
  const sizes = stringValue(values, 'sizes');
  if (sizes !== undefined) {
    const parsed = parseSizes(sizes);
    if (typeof parsed === 'string') return { ok: false, error: parsed };
    options.sizes = parsed;
  }
  const tuneSize = stringValue(values, 'tune-size');
  if (tuneSize !== undefined) {
    const parsed = parseSizes(tuneSize);
    if (typeof parsed === 'string' || parsed.length !== 1)
      return {
        ok: false,
        error: `--tune-size expects one whole number from 1 to ${MAX_SIZE}, e.g. --tune-size 4096 (got "${tuneSize}")`,
      };
    options.tuneSize = parsed[0];
  }
  const model = stringValue(values, 'model');
  if (model === '') return { ok: false, error: spec.options.model.missing ?? '--model needs a value' };
  // Refused before anything runs: a benchmark of minutes would end without the efficiency asked for.
  if (model !== undefined && !findModel(model))
    return {
      ok: false,
      error: `--model ${model} is not a known model (${MODELS.map((m) => m.name).join(', ')}; leave --model out for no efficiency)`,
    };
  if (model !== undefined) options.model = model;
  const adapter = adapterOption(values, env);
  if (!adapter.ok) return adapter;
  const toggles = dawnTogglesOption(values, env);
  if (!toggles.ok) return toggles;
  return { ok: true, options: { ...options, ...adapter.option, ...toggles.option } };
}
