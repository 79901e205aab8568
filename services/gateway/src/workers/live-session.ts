import { beatTime } from '@gpux/contracts';

/**
 * How long capacity lets a session go silent before declaring its node lost, for a session an
 * older capacity started, which recorded none (capacity's HEARTBEAT_TIMEOUT_MS default).
 */
export const DEFAULT_SESSION_TIMEOUT_MS = 20_000;

/** joinSession's `extensions.reason` when `replace: false` finds the node's session live. */
export const SESSION_LIVE = 'SESSION_LIVE';

/** What the gateway reads of a node's current session: its hash's fields, its heartbeat key and that key's PTTL. */
export interface SessionRead {
  /** The node's current session (its hash's sessionId); absent when none is open. */
  sessionId?: string | null;
  /** When it started (SessionStarted's time, ISO). */
  sessionStartedAt?: string | null;
  /** How long capacity lets it go silent (SessionStarted's heartbeat.timeoutMs); absent from an older capacity. */
  timeoutMs?: number;
  /** The heartbeat key's value (the gateway's time of the last beat, ISO); null without one. */
  beat: string | null;
  /** What is left of the heartbeat key's life, ms (Redis' PTTL: negative without one). */
  beatTtlMs: number;
}

/** A session a worker keeps alive: what joinSession with `replace: false` refuses to take. */
export interface LiveSession {
  sessionId: string;
  startedAt?: string;
  /** Its last heartbeat, ISO (by this gateway's clock); absent where none is kept (Redis flushed). */
  lastHeartbeatAt?: string;
  /** How long it has been silent, ms. */
  silentMs: number;
  timeoutMs: number;
}

/**
 * The node's session when it is live at `now` (epoch ms), else null: open, and heard from within
 * capacity's timeout, so that a worker heartbeats for it and capacity has not declared it lost. A
 * beat is dated as capacity's watchdog dates it (beatTime: by Redis' clock, whatever the clock of
 * the gateway that wrote it), so that gateways whose clocks disagree judge alike. An open session
 * without a beat (Redis flushed) is live: the watchdog counts its silence from when it first noticed
 * the key missing, not from the session's start, and declares it lost (closing it) only a timeout
 * after that; until then its worker may be beating on. `own`: the session id the caller proposed
 * (joinSession's sessionId), a session of its own, started by a join whose answer it lost, that it
 * resumes: never another worker's.
 */
export function liveSession(read: SessionRead, now: number, own?: string): LiveSession | null {
  const { sessionId } = read;
  if (!sessionId || sessionId === own) return null;
  const timeoutMs = read.timeoutMs && read.timeoutMs > 0 ? read.timeoutMs : DEFAULT_SESSION_TIMEOUT_MS;
  const started = read.sessionStartedAt ? Date.parse(read.sessionStartedAt) : NaN;
  const last = read.beat === null ? NaN : beatTime(read.beat, read.beatTtlMs, now);
  if (!Number.isNaN(last) && now - last > timeoutMs) return null;
  const lastHeartbeatAt = read.beat !== null && !Number.isNaN(Date.parse(read.beat)) ? read.beat : undefined;
  const heard = Number.isNaN(last) ? started : last;
  return {
    sessionId,
    ...(read.sessionStartedAt && !Number.isNaN(started) ? { startedAt: read.sessionStartedAt } : {}),
    ...(lastHeartbeatAt ? { lastHeartbeatAt } : {}),
    silentMs: Number.isNaN(heard) ? 0 : Math.max(0, now - heard),
    timeoutMs,
  };
}

/**
 * joinSession's refusal of a live session (`replace: false`): what holds the node, since when,
 * and what to do. The session's id is not said: it is that worker's to send.
 */
export function sessionLiveMessage(nodeId: string, live: LiveSession): string {
  const since = live.startedAt ? ` started ${live.startedAt}` : '';
  const heard =
    live.lastHeartbeatAt !== undefined
      ? `its last heartbeat ${(live.silentMs / 1000).toFixed(1)} s ago`
      : 'no heartbeat kept yet';
  return (
    `node ${nodeId} has a live session${since} (${heard}, within its ${live.timeoutMs / 1000} s timeout): another worker runs as this node, ` +
    'and joining would replace its session (it would stop, and the node go lost once this one stops heartbeating). ' +
    'Stop that worker first, or join with replace: true (the default) to take the node over'
  );
}

/** joinSession's refusal's extensions beyond code and field: the reason, the node, and when its live session started and last beat. */
export function sessionLiveExtensions(nodeId: string, live: LiveSession): Record<string, unknown> {
  return {
    reason: SESSION_LIVE,
    nodeId,
    ...(live.startedAt ? { sessionStartedAt: live.startedAt } : {}),
    ...(live.lastHeartbeatAt ? { lastHeartbeatAt: live.lastHeartbeatAt } : {}),
    heartbeatTimeoutMs: live.timeoutMs,
  };
}
