// The option reader every command shares (node:util parseArgs underneath), and the options of
// the two commands that have no parser of their own.
import { parseAdaptersArgs, parseSelftestArgs } from '../gpu/options';
import { COMMANDS } from './commands';
import { optionList, readOptions } from './options';

describe('readOptions', () => {
  const spec = COMMANDS.benchmark;

  it('reads options with a space or =, the last one winning', () => {
    expect(readOptions(spec, ['--sizes', '256', '--model=L4', '--retune', '--sizes=512'])).toEqual({
      ok: true,
      help: false,
      values: { sizes: '512', model: 'L4', retune: true },
    });
  });

  it('accepts a value that starts with one dash, but not an option where a value belongs', () => {
    expect(readOptions(COMMANDS.join, ['--claim-tflops', '-1'])).toMatchObject({
      ok: true,
      values: { 'claim-tflops': '-1' },
    });
    expect(readOptions(spec, ['--model', '--json'])).toEqual({
      ok: false,
      error: '--model needs a GPU model name, e.g. --model H100-80GB',
    });
  });

  it('finds --help anywhere, even where a value was expected', () => {
    expect(readOptions(spec, ['--model', '--help'])).toEqual({ ok: true, help: true, values: {} });
    expect(readOptions(spec, ['extra', '-h'])).toEqual({ ok: true, help: true, values: {} });
  });

  it('takes what follows -- as arguments, which no command has', () => {
    expect(readOptions(spec, ['--', '--json'])).toEqual({
      ok: false,
      error: expect.stringMatching(/^unexpected argument "--json" for benchmark/),
    });
  });

  it('lists options as error messages show them', () => {
    expect(optionList(COMMANDS.join)).toBe(
      '--gateway URL, --credential-file FILE, --claim-tflops X, --adapter ADAPTER, --once, --f16, --json',
    );
  });
});

describe('adapters options', () => {
  it('has --json only', () => {
    expect(parseAdaptersArgs([])).toEqual({ ok: true, options: { json: false } });
    expect(parseAdaptersArgs(['--json'])).toEqual({ ok: true, options: { json: true } });
    expect(parseAdaptersArgs(['--adapter', '0'])).toEqual({
      ok: false,
      error: 'unknown option --adapter for adapters (options: --json; see gpu-worker adapters --help)',
    });
    expect(parseAdaptersArgs(['--json=1'])).toEqual({
      ok: false,
      error: '--json takes no value (got "--json=1")',
    });
  });
});

describe('selftest options', () => {
  it('reads --adapter and --json, the adapter also from GPUX_ADAPTER', () => {
    expect(parseSelftestArgs([])).toEqual({ ok: true, options: { json: false } });
    expect(parseSelftestArgs(['--adapter', 'llvmpipe', '--json'])).toEqual({
      ok: true,
      options: { json: true, adapter: 'llvmpipe' },
    });
    expect(parseSelftestArgs([], { GPUX_ADAPTER: '1' })).toEqual({
      ok: true,
      options: { json: false, adapter: '1' },
    });
    expect(parseSelftestArgs(['--adapter=0'], { GPUX_ADAPTER: '1' })).toEqual({
      ok: true,
      options: { json: false, adapter: '0' },
    });
  });

  it.each([
    [
      ['--adapter'],
      /^--adapter needs an adapter index or a part of its name, e\.g\. --adapter 0 or --adapter nvidia \(list them: gpu-worker adapters\)$/,
    ],
    [['--adapter='], /^--adapter needs an adapter index/],
    [['--adapter', '--json'], /^--adapter needs an adapter index/],
    [
      ['--sizes', '256'],
      /^unknown option --sizes for selftest \(options: --adapter ADAPTER, --json; see gpu-worker selftest --help\)$/,
    ],
    [['now'], /^unexpected argument "now" for selftest/],
  ])('%j is refused with one line', (args, message) => {
    expect(parseSelftestArgs(args)).toEqual({ ok: false, error: expect.stringMatching(message) });
  });
});
