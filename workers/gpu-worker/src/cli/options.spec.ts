// The option reader every command shares (node:util parseArgs underneath), and the options of
// the two commands that have no parser of their own.
import { parseBenchmarkArgs } from '../benchmark/options';
import { parseAdaptersArgs, parseSelftestArgs } from '../gpu/options';
import { parseJoinArgs } from '../join/options';
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

  it.each([
    '--constructor=1',
    '--constructor',
    '--__proto__=x',
    '--toString',
    '--hasOwnProperty',
    '--valueOf=2',
  ])('refuses %s, a name every object has, as an unknown option', (arg) => {
    const name = arg.split('=')[0]!;
    expect(readOptions(COMMANDS.join, [arg])).toEqual({
      ok: false,
      error: `unknown option ${name} for join (options: ${optionList(COMMANDS.join)}; see gpu-worker join --help)`,
    });
  });

  it('lists options as error messages show them', () => {
    expect(optionList(COMMANDS.join)).toBe(
      '--gateway URL, --credential-file FILE, --claim-tflops X, --adapter ADAPTER, --dawn-toggles NAME,NAME,…, --once, --replace, --f16, --json',
    );
  });
});

describe('adapters options', () => {
  it('has --dawn-toggles and --json', () => {
    expect(parseAdaptersArgs([])).toEqual({ ok: true, options: { json: false } });
    expect(parseAdaptersArgs(['--json'])).toEqual({ ok: true, options: { json: true } });
    expect(parseAdaptersArgs(['--adapter', '0'])).toEqual({
      ok: false,
      error:
        'unknown option --adapter for adapters (options: --dawn-toggles NAME,NAME,…, --json; see gpu-worker adapters --help)',
    });
    expect(parseAdaptersArgs(['--json=1'])).toEqual({
      ok: false,
      error: '--json takes no value (got "--json=1")',
    });
  });
});

describe('the Dawn toggles option, which every command that opens the GPU has', () => {
  const f16 = { enable: ['vulkan_enable_f16_on_nvidia'], disable: [] };

  it('reads --dawn-toggles, else GPUX_DAWN_TOGGLES; none (and no field) when neither says any', () => {
    expect(parseAdaptersArgs(['--dawn-toggles', 'vulkan_enable_f16_on_nvidia,-allow_unsafe_apis'])).toEqual({
      ok: true,
      options: {
        json: false,
        dawnToggles: { enable: ['vulkan_enable_f16_on_nvidia'], disable: ['allow_unsafe_apis'] },
      },
    });
    expect(parseAdaptersArgs([], { GPUX_DAWN_TOGGLES: 'vulkan_enable_f16_on_nvidia' })).toEqual({
      ok: true,
      options: { json: false, dawnToggles: f16 },
    });
    expect(
      parseSelftestArgs(['--dawn-toggles=vulkan_enable_f16_on_nvidia'], {
        GPUX_DAWN_TOGGLES: 'allow_unsafe_apis',
      }),
    ).toEqual({ ok: true, options: { json: false, dawnToggles: f16 } });
    expect(parseSelftestArgs([], { GPUX_DAWN_TOGGLES: '' })).toEqual({ ok: true, options: { json: false } });
  });

  it.each([
    [
      ['--dawn-toggles'],
      {},
      '--dawn-toggles needs Dawn toggle names separated by commas, e.g. --dawn-toggles vulkan_enable_f16_on_nvidia,allow_unsafe_apis',
    ],
    [
      ['--dawn-toggles', '--json'],
      {},
      '--dawn-toggles needs Dawn toggle names separated by commas, e.g. --dawn-toggles vulkan_enable_f16_on_nvidia,allow_unsafe_apis',
    ],
    [
      ['--dawn-toggles= '],
      {},
      '--dawn-toggles needs Dawn toggle names separated by commas, e.g. --dawn-toggles vulkan_enable_f16_on_nvidia,allow_unsafe_apis',
    ],
    [
      ['--dawn-toggles', 'allow-unsafe-apis'],
      {},
      '--dawn-toggles expects Dawn toggle names separated by commas, each of lower-case letters, digits and _, a leading - to disable one, e.g. --dawn-toggles vulkan_enable_f16_on_nvidia,allow_unsafe_apis: "allow-unsafe-apis" is not a toggle name (got "allow-unsafe-apis")',
    ],
    [
      [],
      { GPUX_DAWN_TOGGLES: 'a,-a' },
      'GPUX_DAWN_TOGGLES expects Dawn toggle names separated by commas, each of lower-case letters, digits and _, a leading - to disable one, e.g. GPUX_DAWN_TOGGLES=vulkan_enable_f16_on_nvidia,allow_unsafe_apis: "a" is both enabled and disabled (got "a,-a")',
    ],
  ])('%j (env %j) is refused with one line, by adapters and selftest alike', (args, env, error) => {
    expect(parseAdaptersArgs(args, env)).toEqual({ ok: false, error });
    expect(parseSelftestArgs(args, env)).toEqual({ ok: false, error });
  });
});

describe('selftest options', () => {
  it('reads --adapter and --json, the adapter also from GPUX_ADAPTER (and says so)', () => {
    expect(parseSelftestArgs([])).toEqual({ ok: true, options: { json: false } });
    expect(parseSelftestArgs(['--adapter', 'llvmpipe', '--json'])).toEqual({
      ok: true,
      options: { json: true, adapter: 'llvmpipe' },
    });
    expect(parseSelftestArgs([], { GPUX_ADAPTER: '1' })).toEqual({
      ok: true,
      options: { json: false, adapter: '1', adapterFrom: 'GPUX_ADAPTER' },
    });
    expect(parseSelftestArgs([], { GPUX_ADAPTER: '' })).toEqual({ ok: true, options: { json: false } });
    expect(parseBenchmarkArgs([], { GPUX_ADAPTER: 'nvidia' })).toMatchObject({
      ok: true,
      options: { adapter: 'nvidia', adapterFrom: 'GPUX_ADAPTER' },
    });
    expect(
      parseJoinArgs(['--adapter', '0'], { GPUX_ADAPTER: 'nvidia', GPUX_NODE_CREDENTIAL: 'gpxn_x' }),
    ).toEqual({ ok: true, options: expect.not.objectContaining({ adapterFrom: expect.anything() }) });
    expect(parseJoinArgs([], { GPUX_ADAPTER: 'nvidia', GPUX_NODE_CREDENTIAL: 'gpxn_x' })).toMatchObject({
      ok: true,
      options: { adapter: 'nvidia', adapterFrom: 'GPUX_ADAPTER' },
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
      /^unknown option --sizes for selftest \(options: --adapter ADAPTER, --dawn-toggles NAME,NAME,…, --json; see gpu-worker selftest --help\)$/,
    ],
    [['now'], /^unexpected argument "now" for selftest/],
  ])('%j is refused with one line', (args, message) => {
    expect(parseSelftestArgs(args)).toEqual({ ok: false, error: expect.stringMatching(message) });
  });
});
