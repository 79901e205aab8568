/**
 * Which adapter `--adapter` means: an index into the list `gpu-worker adapters` prints, or a part
 * of one adapter's description, vendor, architecture or device (any case). Pure; a choice that
 * fits none or several is one line that lists what there is.
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

export function chooseAdapter(adapters: readonly Describable[], wanted: string): Choice {
  const listed = adapters.map((a, i) => `${i}: ${adapterLabel(a)}`).join('; ');
  const there =
    adapters.length === 0 ? 'there is none' : `${adapters.length === 1 ? 'there is' : 'there are'} ${listed}`;
  const text = wanted.trim();
  if (/^\d+$/.test(text)) {
    const index = Number(text);
    if (index < adapters.length) return { ok: true, index };
    return {
      ok: false,
      error: `--adapter ${text}: no adapter has that index (${there}; see gpu-worker adapters)`,
    };
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
    return { ok: false, error: `--adapter "${text}" matches no adapter (${there}; see gpu-worker adapters)` };
  const which = matches
    .map((m) => `${m.index}: ${adapterLabel(adapters[m.index] as Describable)}`)
    .join('; ');
  return {
    ok: false,
    error: `--adapter "${text}" matches ${matches.length} adapters (${which}): give its index instead`,
  };
}
