// The Dawn toggles rule: names separated by commas, a leading - to disable one.
import {
  dawnFlags,
  NO_TOGGLES,
  parseDawnToggles,
  sameToggles,
  toggleNames,
  togglesAskedFor,
} from './toggles';

describe('parseDawnToggles', () => {
  it('enables the names given, disables those with a leading -', () => {
    expect(parseDawnToggles('vulkan_enable_f16_on_nvidia,allow_unsafe_apis')).toEqual({
      ok: true,
      toggles: { enable: ['vulkan_enable_f16_on_nvidia', 'allow_unsafe_apis'], disable: [] },
    });
    expect(parseDawnToggles(' allow_unsafe_apis , -use_dxc,d3d12_x2 ')).toEqual({
      ok: true,
      toggles: { enable: ['allow_unsafe_apis', 'd3d12_x2'], disable: ['use_dxc'] },
    });
  });

  it('reads empty text as no toggles, and a name given twice as once', () => {
    expect(parseDawnToggles('')).toEqual({ ok: true, toggles: NO_TOGGLES });
    expect(parseDawnToggles('  ')).toEqual({ ok: true, toggles: NO_TOGGLES });
    expect(parseDawnToggles('a,a,-b,-b')).toEqual({ ok: true, toggles: { enable: ['a'], disable: ['b'] } });
  });

  it.each([
    ['Allow_Unsafe_APIs', '"Allow_Unsafe_APIs" is not a toggle name'],
    ['allow-unsafe-apis', '"allow-unsafe-apis" is not a toggle name'],
    [
      'enable-dawn-features=allow_unsafe_apis',
      '"enable-dawn-features=allow_unsafe_apis" is not a toggle name',
    ],
    ['a b', '"a b" is not a toggle name'],
    ['--a', '"-a" is not a toggle name'],
    ['a,,b', 'a name is empty'],
    ['a,', 'a name is empty'],
    ['-', 'a name is empty'],
    ['a,-a', '"a" is both enabled and disabled'],
    ['-a,a', '"a" is both enabled and disabled'],
  ])('refuses %j, saying what to type instead', (text, why) => {
    expect(parseDawnToggles(text)).toEqual({
      ok: false,
      error:
        '--dawn-toggles expects Dawn toggle names separated by commas, each of lower-case letters, digits and _, ' +
        `a leading - to disable one, e.g. --dawn-toggles vulkan_enable_f16_on_nvidia,allow_unsafe_apis: ${why} (got "${text}")`,
    });
  });

  it('names the environment variable when the text came from it', () => {
    expect(parseDawnToggles('X', 'GPUX_DAWN_TOGGLES')).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^GPUX_DAWN_TOGGLES expects .*, e\.g\. GPUX_DAWN_TOGGLES=vulkan_enable_f16_on_nvidia,allow_unsafe_apis: "X" is not a toggle name \(got "X"\)$/,
      ),
    });
  });
});

describe('the toggles as Dawn and the reports take them', () => {
  const toggles = { enable: ['vulkan_enable_f16_on_nvidia', 'allow_unsafe_apis'], disable: ['use_dxc'] };

  it("makes npm webgpu's create() flags, none for no toggles", () => {
    expect(dawnFlags(toggles)).toEqual([
      'enable-dawn-features=vulkan_enable_f16_on_nvidia,allow_unsafe_apis',
      'disable-dawn-features=use_dxc',
    ]);
    expect(dawnFlags({ enable: [], disable: ['a'] })).toEqual(['disable-dawn-features=a']);
    expect(dawnFlags(NO_TOGGLES)).toEqual([]);
  });

  it('spells them as the option does', () => {
    expect(toggleNames(toggles)).toEqual(['vulkan_enable_f16_on_nvidia', 'allow_unsafe_apis', '-use_dxc']);
    expect(toggleNames(NO_TOGGLES)).toEqual([]);
  });

  it('compares them whatever their order', () => {
    expect(
      sameToggles(toggles, {
        enable: ['allow_unsafe_apis', 'vulkan_enable_f16_on_nvidia'],
        disable: ['use_dxc'],
      }),
    ).toBe(true);
    expect(sameToggles(toggles, { enable: ['allow_unsafe_apis'], disable: ['use_dxc'] })).toBe(false);
    expect(sameToggles({ enable: ['a'], disable: [] }, { enable: [], disable: ['a'] })).toBe(false);
    expect(sameToggles(NO_TOGGLES, { enable: [], disable: [] })).toBe(true);
  });
});

describe('the Dawn toggles as reports name them', () => {
  it('are what was asked for, never said to be in effect: Dawn ignores a name it does not know', () => {
    expect(togglesAskedFor(['allow_unsafe_apis', '-no_such_toggle'])).toBe(
      'Dawn toggles asked for: allow_unsafe_apis,-no_such_toggle (Dawn ignores a name it does not know)',
    );
    expect(togglesAskedFor([])).toBe('');
  });
});
