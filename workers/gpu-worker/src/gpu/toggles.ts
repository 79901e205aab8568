/**
 * Dawn toggles: named switches of Dawn's own behaviour, given to the process's one Dawn instance
 * as `enable-dawn-features=a,b` / `disable-dawn-features=c` (npm `webgpu`'s create() flags). Some
 * unlock adapter features: on NVIDIA's Vulkan driver `vulkan_enable_f16_on_nvidia` (shader-f16,
 * blocklisted there by default) and `allow_unsafe_apis` (chromium-experimental-subgroup-matrix).
 * Dawn ignores a name it does not know, and neither says so nor offers its list of names to the
 * node binding, so only the form is checked here, and reports name the toggles as asked for
 * (togglesAskedFor), never as in effect. Pure.
 */

export interface DawnToggles {
  enable: readonly string[];
  disable: readonly string[];
}

export const NO_TOGGLES: DawnToggles = { enable: [], disable: [] };

export const TOGGLES_EXAMPLE = 'vulkan_enable_f16_on_nvidia,allow_unsafe_apis';

const NAME = /^[a-z0-9_]+$/;

export type ParsedToggles = { ok: true; toggles: DawnToggles } | { ok: false; error: string };

/**
 * `a,b,-c`: enable a and b, disable c. `source` names where the text came from (`--dawn-toggles`
 * or `GPUX_DAWN_TOGGLES`), for the message. Empty text: no toggles.
 */
export function parseDawnToggles(text: string, source = '--dawn-toggles'): ParsedToggles {
  const example =
    source === '--dawn-toggles' ? `--dawn-toggles ${TOGGLES_EXAMPLE}` : `${source}=${TOGGLES_EXAMPLE}`;
  const refuse = (why: string): ParsedToggles => ({
    ok: false,
    error:
      `${source} expects Dawn toggle names separated by commas, each of lower-case letters, digits and _, ` +
      `a leading - to disable one, e.g. ${example}: ${why} (got "${text}")`,
  });
  if (text.trim() === '') return { ok: true, toggles: NO_TOGGLES };
  const enable: string[] = [];
  const disable: string[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const off = part.startsWith('-');
    const name = off ? part.slice(1) : part;
    if (name === '') return refuse('a name is empty');
    if (!NAME.test(name)) return refuse(`"${name}" is not a toggle name`);
    if ((off ? enable : disable).includes(name)) return refuse(`"${name}" is both enabled and disabled`);
    const list = off ? disable : enable;
    if (!list.includes(name)) list.push(name);
  }
  return { ok: true, toggles: { enable, disable } };
}

/** The create() flags of npm `webgpu` (Dawn's node binding) for these toggles. */
export function dawnFlags(toggles: DawnToggles): string[] {
  return [
    ...(toggles.enable.length > 0 ? [`enable-dawn-features=${toggles.enable.join(',')}`] : []),
    ...(toggles.disable.length > 0 ? [`disable-dawn-features=${toggles.disable.join(',')}`] : []),
  ];
}

/** The toggles as the option spells them (`-` before a disabled one), as reports show them. */
export function toggleNames(toggles: DawnToggles): string[] {
  return [...toggles.enable, ...toggles.disable.map((name) => `-${name}`)];
}

/**
 * How reports name the toggles (toggleNames): as asked for, since a misspelt name is ignored by
 * Dawn without a word and cannot be told from one in effect. Empty when there are none.
 */
export function togglesAskedFor(names: readonly string[]): string {
  return names.length === 0
    ? ''
    : `Dawn toggles asked for: ${names.join(',')} (Dawn ignores a name it does not know)`;
}

/** The same toggles, whatever their order. */
export function sameToggles(a: DawnToggles, b: DawnToggles): boolean {
  const key = (t: DawnToggles) => toggleNames(t).sort().join(',');
  return key(a) === key(b);
}
