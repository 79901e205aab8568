import type { Challenge } from '@gpux/certification';
import type { RegisterNode } from '@gpux/contracts';
import type { ChallengeInFlight } from '../node';
import { unseenSupersede } from './unseen-supersede';

const node = { nodeId: 'n1' } as RegisterNode;
const spot: ChallengeInFlight = { purpose: 'spot', challenge: { id: 's1' } as Challenge };

describe('the unseen-supersede rule', () => {
  it('records the certification a spot check ended at its issue only when asked: at its fetch or its end', () => {
    expect(unseenSupersede(node, { ...spot, supersedes: 'c1' })).toEqual([
      {
        type: 'capacity.NodeCertificationFailed',
        data: {
          nodeId: 'n1',
          challengeId: 'c1',
          purpose: 'certification',
          reason: 'SUPERSEDED',
          detail: 'ended by spot challenge s1',
        },
      },
    ]);
  });

  it('records nothing for a check that ended none, or whose supersede is recorded already, or no check', () => {
    expect(unseenSupersede(node, spot)).toEqual([]);
    expect(unseenSupersede(node, null)).toEqual([]);
    expect(unseenSupersede(node, undefined)).toEqual([]);
  });
});
