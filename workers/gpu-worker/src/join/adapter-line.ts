/** The most the gateway takes for a worker's description of its GPU (joinSession's `adapter`). */
export const ADAPTER_LINE_MAX = 256;

/**
 * An adapter's description as the gateway takes it: one line (control characters such as line
 * breaks become spaces, runs of spaces one), at most ADAPTER_LINE_MAX UTF-16 units, never ending
 * in half a surrogate pair; undefined when nothing is left. Drivers write what they like there.
 */
export function adapterLine(description: string): string | undefined {
  let line = description
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (line.length > ADAPTER_LINE_MAX) {
    line = line.slice(0, ADAPTER_LINE_MAX);
    if (/[\uD800-\uDBFF]$/.test(line)) line = line.slice(0, -1);
    line = line.trimEnd();
  }
  return line || undefined;
}
