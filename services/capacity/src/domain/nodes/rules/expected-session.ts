/**
 * The expected-session rule: a conditional StartSession (joinSession with `replace: false`, the
 * gateway having found the node's session `expected` and judged it not live; null: none open) is
 * refused when the node's session is another by the time capacity decides. The gateway's check and
 * the start are two steps, and another join of the node (a restarted worker's, a second
 * `join --once`) may start a session between them, through any gateway: the decider, the one
 * writer of the node, tells it, whatever the order the commands arrive in and however late.
 * Resuming the node's own current session (`sessionId` the current one: a retry after a lost
 * answer) replaces nothing, so it is never refused. `expected` undefined: an unconditional start
 * (replace: true), never refused here.
 */
export function sessionChangedSince(
  expected: string | null | undefined,
  current: string | null | undefined,
  sessionId: string,
): boolean {
  if (expected === undefined) return false;
  if (sessionId === current) return false;
  return (current ?? null) !== expected;
}
