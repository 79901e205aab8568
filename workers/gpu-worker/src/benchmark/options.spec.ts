import { findModel, efficiency } from '@gpux/certification';
import { parseBenchmarkArgs, sizeProblem } from './options';

describe('benchmark options', () => {
  it('has defaults', () => {
    expect(parseBenchmarkArgs([])).toEqual({
      ok: true,
      options: { sizes: [256, 512, 1024], retune: false, json: false },
    });
  });

  it('reads every option, with a space or =', () => {
    expect(parseBenchmarkArgs(['--sizes', '1024,256', '--model', 'H100-80GB', '--retune', '--json'])).toEqual(
      {
        ok: true,
        options: { sizes: [256, 1024], model: 'H100-80GB', retune: true, json: true },
      },
    );
    expect(parseBenchmarkArgs(['--sizes=512', '--model=l4'])).toMatchObject({
      ok: true,
      options: { sizes: [512], model: 'l4' },
    });
  });

  it('tunes at --tune-size, one size within the limits', () => {
    expect(parseBenchmarkArgs(['--sizes', '4096', '--tune-size', '4096'])).toMatchObject({
      ok: true,
      options: { sizes: [4096], tuneSize: 4096 },
    });
    for (const bad of ['0', '512,1024', '32768', 'big'])
      expect(parseBenchmarkArgs([`--tune-size=${bad}`])).toEqual({
        ok: false,
        error: `--tune-size expects one whole number from 1 to 16384, e.g. --tune-size 4096 (got "${bad}")`,
      });
  });

  it('reads Dawn toggles from --dawn-toggles, else GPUX_DAWN_TOGGLES, none when empty', () => {
    expect(parseBenchmarkArgs(['--dawn-toggles=allow_unsafe_apis'])).toMatchObject({
      ok: true,
      options: { dawnToggles: { enable: ['allow_unsafe_apis'], disable: [] } },
    });
    expect(parseBenchmarkArgs([], { GPUX_DAWN_TOGGLES: 'vulkan_enable_f16_on_nvidia' })).toMatchObject({
      ok: true,
      options: { dawnToggles: { enable: ['vulkan_enable_f16_on_nvidia'], disable: [] } },
    });
    expect(parseBenchmarkArgs([], { GPUX_DAWN_TOGGLES: '' })).toEqual(parseBenchmarkArgs([]));
  });

  it.each([
    [
      ['--dawn-toggles', 'Allow'],
      /^--dawn-toggles expects .*: "Allow" is not a toggle name \(got "Allow"\)$/,
    ],
    [['--dawn-toggles='], /^--dawn-toggles needs Dawn toggle names/],
    [
      ['--sizes', 'abc'],
      /^--sizes expects a comma-separated list of whole numbers from 1 to 16384, e\.g\. --sizes 256,512,1024 \(got "abc"\)$/,
    ],
    [['--sizes', '256,,512'], /--sizes expects/],
    [['--sizes', '0'], /--sizes expects/],
    [['--sizes', '16385'], /from 1 to 16384/],
    [['--sizes', '1.5'], /--sizes expects/],
    [['--sizes'], /^--sizes needs a value/],
    [['--sizes', '--json'], /^--sizes needs a value/],
    [['--model'], /^--model needs a GPU model name/],
    [
      ['--model', 'H100'],
      /^--model H100 is not a known model \(H100-80GB, H200, A100-80GB, RTX-4090, L4; leave --model out for no efficiency\)$/,
    ],
    [['--model=B200'], /^--model B200 is not a known model/],
    [['--json=yes'], /^--json takes no value/],
    [['--fast'], /^unknown option --fast for benchmark \(options: /],
    [['extra'], /^unexpected argument "extra"/],
  ])('%j is refused with one line that says what to fix', (args, message) => {
    const parsed = parseBenchmarkArgs(args);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error).toMatch(message);
      expect(parsed.error).not.toMatch(/\n/);
    }
  });
});

describe('GPU models', () => {
  it('are found whatever the case and separators', () => {
    expect(findModel('h100 80gb')?.name).toBe('H100-80GB');
    expect(findModel('RTX4090')?.name).toBe('RTX-4090');
    expect(findModel('B200')).toBeUndefined();
  });

  it('give efficiency as a share of the precision’s peak', () => {
    expect(efficiency(33_450, findModel('H100-80GB')!, 'f32')).toBeCloseTo(0.5);
    expect(efficiency(156_000, findModel('A100-80GB')!, 'f16')).toBeCloseTo(0.5);
  });
});

describe('sizes that do not fit the adapter', () => {
  const lavapipe = { maxStorageBufferBindingSize: 134_217_728, maxBufferSize: 268_435_456 };
  const h200 = { maxStorageBufferBindingSize: 2_147_483_644, maxBufferSize: 4_294_967_296 };

  it('takes what fits: 4096 on every adapter, 8192 on an H200', () => {
    expect(sizeProblem({ sizes: [1024, 4096], tuneSize: 4096 }, lavapipe)).toBeNull();
    expect(sizeProblem({ sizes: [8192, 16384], tuneSize: 8192 }, h200)).toBeNull();
  });

  it('names the option, the size and the largest that fits', () => {
    expect(sizeProblem({ sizes: [1024, 8192] }, lavapipe)).toBe(
      '--sizes 8192 does not fit this adapter: an 8192×8192 f32 matrix is 268435456 bytes, its storage buffers take at most 134217728 (the largest size here is 5792)',
    );
    expect(sizeProblem({ sizes: [1024], tuneSize: 8192 }, lavapipe)).toMatch(
      /^--tune-size 8192 does not fit/,
    );
  });
});
