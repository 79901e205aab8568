/** A consumer's session when its owner does not say: a member silent this long leaves the group. */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

/**
 * A consumer group member's session and heartbeat: heartbeats five times per session, at least
 * every second apart, so a stopped process leaves the group within `sessionTimeoutMs` and a busy
 * one is not taken for dead.
 */
export function consumerTiming(sessionTimeoutMs = DEFAULT_SESSION_TIMEOUT_MS): {
  sessionTimeout: number;
  heartbeatInterval: number;
} {
  return {
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.max(1_000, Math.floor(sessionTimeoutMs / 5)),
  };
}
