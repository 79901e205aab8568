import { endedChallenge, endedChallengeMessage } from './ended-challenge';

describe('a late step of a challenge the verifier failed already', () => {
  const at = '2026-12-05T13:39:37.082Z';
  const records = [
    { ok: true, challengeId: 'c0', purpose: 'spot', at: '2026-12-05T13:39:00.990Z' },
    {
      ok: false,
      challengeId: 'c1',
      purpose: 'spot',
      reason: 'DEADLINE_MISSED',
      detail: 'no commitment before its deadline',
      at,
    },
    {
      ok: false,
      challengeId: 'c2',
      purpose: 'certification',
      reason: 'SUPERSEDED',
      detail: 'voided: session ended',
      at,
    },
    { ok: true, challengeId: 'c3', purpose: 'certification', at },
  ];

  it('finds its failure in the history, with its reason, detail and time, and says it in one line', () => {
    const ended = endedChallenge(records, 'c1');
    expect(ended).toEqual({ reason: 'DEADLINE_MISSED', detail: 'no commitment before its deadline', at });
    expect(endedChallengeMessage('c1', ended!)).toBe(
      `challenge c1 failed already (recorded ${at}): DEADLINE_MISSED: no commitment before its deadline`,
    );
  });

  it('finds nothing for a challenge that passed, was superseded (its session tells the worker more), or is not there', () => {
    expect(endedChallenge(records, 'c0')).toBeNull();
    expect(endedChallenge(records, 'c2')).toBeNull();
    expect(endedChallenge(records, 'c3')).toBeNull();
    expect(endedChallenge(records, 'c9')).toBeNull();
    expect(endedChallenge([{ ok: false, challengeId: 'c4' }], 'c4')).toBeNull();
  });

  it('says a failure recorded without a time or a detail as far as it goes', () => {
    const ended = endedChallenge([{ ok: false, challengeId: 'c5', reason: 'MALFORMED' }], 'c5');
    expect(ended).toEqual({ reason: 'MALFORMED', detail: '' });
    expect(endedChallengeMessage('c5', ended!)).toBe('challenge c5 failed already: MALFORMED');
  });
});
