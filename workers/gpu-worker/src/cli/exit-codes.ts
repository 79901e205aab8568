/**
 * gpu-worker's exit codes and what each means, in one place: the agent exits with them, and the
 * top-level help lists them all (join's help says more of each), so neither list can leave one out.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3, replaced: 4, busy: 5 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Each code in a few words, as the top-level help lists them. */
export const EXIT_MEANINGS: Record<ExitCode, string> = {
  [EXIT.ok]: 'done',
  [EXIT.failed]: 'failed',
  [EXIT.usage]: 'bad options',
  [EXIT.refused]: 'credential refused (join)',
  [EXIT.replaced]: 'another worker joined as the node, so this one stopped (join)',
  [EXIT.busy]: 'another worker runs as the node, so --once left it alone (join)',
};

/** `exit codes: 0 done, 1 failed, …`, every code. */
export function exitCodesLine(): string {
  const codes = Object.entries(EXIT_MEANINGS).map(([code, meaning]) => `${code} ${meaning}`);
  return `exit codes: ${codes.join(', ')}`;
}
