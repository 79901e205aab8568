/**
 * `gpu-worker benchmark` options. Pure, so every message a user can get is unit-tested; each
 * error is one line that says what to type instead.
 */
import { flags } from '../cli/flags';

export interface BenchmarkOptions {
  sizes: number[];
  model?: string;
  retune: boolean;
  json: boolean;
}

/** Larger squares do not fit a 128 MiB storage binding in f32 (WebGPU's guaranteed minimum). */
export const MAX_SIZE = 4096;
export const DEFAULT_SIZES = [256, 512, 1024];

export type Parsed = { ok: true; options: BenchmarkOptions } | { ok: false; error: string };

function parseSizes(text: string): number[] | string {
  const parts = text.split(',').map((s) => s.trim());
  const sizes = parts.map(Number);
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p)) || sizes.some((n) => n < 1 || n > MAX_SIZE))
    return `--sizes expects a comma-separated list of whole numbers from 1 to ${MAX_SIZE}, e.g. --sizes 256,512,1024 (got "${text}")`;
  return [...new Set(sizes)].sort((a, b) => a - b);
}

export function parseBenchmarkArgs(args: readonly string[]): Parsed {
  const options: BenchmarkOptions = { sizes: DEFAULT_SIZES, retune: false, json: false };
  for (const { flag, arg, inline, value } of flags(args)) {
    switch (flag) {
      case '--json':
      case '--retune':
        if (inline !== undefined) return { ok: false, error: `${flag} takes no value (got "${arg}")` };
        options[flag === '--json' ? 'json' : 'retune'] = true;
        break;
      case '--sizes': {
        const text = value();
        if (text === undefined) return { ok: false, error: '--sizes needs a value, e.g. --sizes 256,512,1024' };
        const sizes = parseSizes(text);
        if (typeof sizes === 'string') return { ok: false, error: sizes };
        options.sizes = sizes;
        break;
      }
      case '--model': {
        const text = value();
        if (!text) return { ok: false, error: '--model needs a GPU model name, e.g. --model H100-80GB' };
        options.model = text;
        break;
      }
      default:
        return {
          ok: false,
          error: arg.startsWith('-')
            ? `unknown option ${flag} for benchmark (options: --sizes 256,512,1024, --model NAME, --retune, --json)`
            : `unexpected argument "${arg}" for benchmark (options: --sizes 256,512,1024, --model NAME, --retune, --json)`,
        };
    }
  }
  return { ok: true, options };
}
