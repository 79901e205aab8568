/**
 * Which adapter `--adapter` (or GPUX_ADAPTER) means: an index into the list `gpu-worker adapters`
 * prints, or a part of one adapter's description, vendor, architecture or device (any case). Pure;
 * a choice that fits none or several, or a number that is no index (-1, 1.5), is one line that
 * lists what there is and names where the choice came from.
 */
export interface Describable {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

export type Choice = { ok: true; index: number } | { ok: false; error: string };

export const adapterLabel = (a: Describable) =>
  a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || '(no description)';

/** Where a choice came from: the option, or the environment variable that stands for it. */
export type AdapterSource = '--adapter' | 'GPUX_ADAPTER';

/** A number that is no adapter index: negative, fractional, signed, with an exponent. */
const NUMBER_LIKE = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

export function chooseAdapter(
  adapters: readonly Describable[],
  wanted: string,
  source: AdapterSource = '--adapter',
): Choice {
  const listed = adapters.map((a, i) => `${i}: ${adapterLabel(a)}`).join('; ');
  // Counted, then listed: "there is 0: llvmpipe" read as if there were none.
  const there =
    adapters.length === 0
      ? 'there is none'
      : adapters.length === 1
        ? `there is one adapter, ${listed}`
        : `there are ${adapters.length} adapters: ${listed}`;
  const text = wanted.trim();
  // `--adapter 3`, `--adapter "nvidia"`; `GPUX_ADAPTER=3`, `GPUX_ADAPTER="nvidia"`.
  const given = (quoted: boolean) => {
    const value = quoted ? `"${text}"` : text;
    return source === '--adapter' ? `--adapter ${value}` : `${source}=${value}`;
  };
  if (/^\d+$/.test(text)) {
    const index = Number(text);
    if (index < adapters.length) return { ok: true, index };
    return {
      ok: false,
      error: `${given(false)}: no adapter has that index (${there}; see gpu-worker adapters)`,
    };
  }
  // Taken as a part of a name, -1 or 1.5 would pick whichever adapter's description holds it.
  if (NUMBER_LIKE.test(text)) {
    const indices =
      adapters.length === 0
        ? 'there is no adapter index'
        : adapters.length === 1
          ? 'the only adapter index is 0'
          : `an adapter index is 0 to ${adapters.length - 1}`;
    return { ok: false, error: `${given(false)}: ${indices} (${there}; see gpu-worker adapters)` };
  }
  const needle = text.toLowerCase();
  const matches = adapters
    .map((a, index) => ({
      index,
      text: [a.description, a.vendor, a.architecture, a.device].join(' ').toLowerCase(),
    }))
    .filter((m) => needle.length > 0 && m.text.includes(needle));
  const [only, ...others] = matches;
  if (only && others.length === 0) return { ok: true, index: only.index };
  if (!only)
    return { ok: false, error: `${given(true)} matches no adapter (${there}; see gpu-worker adapters)` };
  const which = matches
    .map((m) => `${m.index}: ${adapterLabel(adapters[m.index] as Describable)}`)
    .join('; ');
  return {
    ok: false,
    error: `${given(true)} matches ${matches.length} adapters (${which}): give its index instead`,
  };
}
