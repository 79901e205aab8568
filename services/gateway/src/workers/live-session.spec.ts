import { HEARTBEAT_KEPT_MS } from '@gpux/contracts';
import {
  DEFAULT_SESSION_TIMEOUT_MS,
  liveSession,
  SESSION_LIVE,
  sessionLiveExtensions,
  sessionLiveMessage,
} from './live-session';

describe('a live session (what joinSession with replace: false leaves alone)', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  const iso = (ms: number) => new Date(ms).toISOString();
  const started = iso(now - 3_600_000);
  /** A session heard from `agoMs` before now, its key set `agoMs` ago (Redis' clock agreeing). */
  const beatAgo = (agoMs: number, over: Partial<Parameters<typeof liveSession>[0]> = {}) => ({
    sessionId: 'ses-1',
    sessionStartedAt: started,
    timeoutMs: 20_000,
    beat: iso(now - agoMs),
    beatTtlMs: HEARTBEAT_KEPT_MS - agoMs,
    ...over,
  });

  it('is one heard from within its timeout: when it started, when it last beat, how long it has been silent', () => {
    expect(liveSession(beatAgo(2_000), now)).toEqual({
      sessionId: 'ses-1',
      startedAt: started,
      lastHeartbeatAt: iso(now - 2_000),
      silentMs: 2_000,
      timeoutMs: 20_000,
    });
    expect(liveSession(beatAgo(20_000), now)).toMatchObject({ silentMs: 20_000 });
  });

  it('is none without a session, or past its timeout (capacity declares it lost: a worker may join)', () => {
    expect(liveSession(beatAgo(1_000, { sessionId: null }), now)).toBeNull();
    expect(liveSession(beatAgo(1_000, { sessionId: '' }), now)).toBeNull();
    expect(liveSession(beatAgo(20_001), now)).toBeNull();
    expect(liveSession(beatAgo(60_000, { timeoutMs: 90_000 }), now)).toMatchObject({ timeoutMs: 90_000 });
  });

  it("ages a beat by Redis' clock (its key's life left), as capacity's watchdog does, whatever the gateway that wrote it thought the time", () => {
    // Written by a gateway whose clock runs a minute ahead: its value says "in the future", its key 3 s old.
    expect(liveSession(beatAgo(3_000, { beat: iso(now + 60_000) }), now)).toMatchObject({ silentMs: 3_000 });
    // A minute behind: its value says a minute ago, its key 3 s old: live.
    expect(liveSession(beatAgo(3_000, { beat: iso(now - 63_000) }), now)).toMatchObject({ silentMs: 3_000 });
    // A key with less than half its life left (set otherwise): dated by its value.
    expect(liveSession(beatAgo(5_000, { beatTtlMs: 1_000 }), now)).toMatchObject({ silentMs: 5_000 });
    expect(liveSession(beatAgo(25_000, { beatTtlMs: 1_000 }), now)).toBeNull();
  });

  it("without a beat (Redis flushed) is live however old: capacity's watchdog counts its silence from when it noticed, not from the start", () => {
    const noBeat = { sessionId: 'ses-1', beat: null, beatTtlMs: -2 };
    expect(liveSession({ ...noBeat, sessionStartedAt: iso(now - 5_000) }, now)).toEqual({
      sessionId: 'ses-1',
      startedAt: iso(now - 5_000),
      silentMs: 5_000,
      timeoutMs: DEFAULT_SESSION_TIMEOUT_MS,
    });
    // An hour-old session whose worker beats on: a flush took its key, not its worker.
    expect(liveSession({ ...noBeat, sessionStartedAt: started }, now)).toMatchObject({ sessionId: 'ses-1' });
    expect(liveSession({ ...noBeat, sessionStartedAt: null }, now)).toMatchObject({ silentMs: 0 });
    expect(DEFAULT_SESSION_TIMEOUT_MS).toBe(20_000);
    expect(liveSession(beatAgo(19_000, { timeoutMs: undefined }), now)).toMatchObject({ timeoutMs: 20_000 });
    expect(liveSession(beatAgo(21_000, { timeoutMs: undefined }), now)).toBeNull();
  });

  it("is none where it is the caller's own (the session id it proposed, started by a join whose answer it lost)", () => {
    expect(liveSession(beatAgo(1_000), now, 'ses-1')).toBeNull();
    expect(liveSession(beatAgo(1_000), now, 'ses-2')).toMatchObject({ sessionId: 'ses-1' });
  });

  it('is refused in one line that says what holds the node, since when, and what to do; its extensions say it for a program', () => {
    const live = liveSession(beatAgo(2_500), now)!;
    const message = sessionLiveMessage('n1', live);
    expect(message).not.toMatch(/\n/);
    expect(message).toMatch(
      /^node n1 has a live session started 2029-12-31T23:00:00.000Z \(its last heartbeat 2.5 s ago, within its 20 s timeout\): another worker runs as this node/,
    );
    expect(message).toMatch(/Stop that worker first, or join with replace: true/);
    // Not its id: that is the running worker's to send.
    expect(message).not.toMatch(/ses-1/);
    expect(sessionLiveExtensions('n1', live)).toEqual({
      reason: SESSION_LIVE,
      nodeId: 'n1',
      sessionStartedAt: started,
      lastHeartbeatAt: iso(now - 2_500),
      heartbeatTimeoutMs: 20_000,
    });
  });
});
