import type { Challenge } from '@gpux/certification';
import type { ChallengeInFlight } from '../node';
import { initialNodeState } from '../node';
import { countsInSession } from './challenge-session';

const challenge = { id: 'c1', deadline: 1_000 } as Challenge;
const certification: ChallengeInFlight = { purpose: 'certification', challenge, sessionId: 's1' };
const spot: ChallengeInFlight = { purpose: 'spot', challenge, sessionId: 's1' };
const inSession = (sessionId: string | null) => ({ ...initialNodeState(), sessionId });

describe('the session rule', () => {
  it('counts a certification only within the session it was issued in', () => {
    expect(countsInSession(certification, inSession('s1'))).toBe(true);
    expect(countsInSession(certification, inSession('s2'))).toBe(false);
    expect(countsInSession(certification, inSession(null))).toBe(false);
    expect(countsInSession({ ...certification, sessionId: null }, inSession('s1'))).toBe(false);
  });

  it('counts a spot challenge whatever happened to the session', () => {
    expect(countsInSession(spot, inSession('s2'))).toBe(true);
    expect(countsInSession(spot, inSession(null))).toBe(true);
  });

  it('counts a certification snapshotted without its session only while the node has one', () => {
    const unrecorded: ChallengeInFlight = { purpose: 'certification', challenge };
    expect(countsInSession(unrecorded, inSession('s9'))).toBe(true);
    expect(countsInSession(unrecorded, inSession(null))).toBe(false);
  });
});
