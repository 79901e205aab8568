import { challengeTiming } from './challenge-timing';

const options = { certificateValidityMs: 86_400_000, spotNoticeMs: 5_000 };

describe('the timing rule of a new challenge', () => {
  it('keeps a node busy 10 s for a certification and 1 s for a spot check, by default', () => {
    expect(challengeTiming('certification', options)).toEqual({ targetMs: 10_000 });
    expect(challengeTiming('spot', options)).toEqual({ targetMs: 1_000, slackMs: 6_000 });
  });

  it('takes the configured targets; only a spot check has the slack of the next heartbeat', () => {
    const configured = { ...options, certificationTargetMs: 3, spotTargetMs: 2 };
    expect(challengeTiming('certification', configured)).toEqual({ targetMs: 3 });
    expect(challengeTiming('certification', configured)).not.toHaveProperty('slackMs');
    expect(challengeTiming('spot', configured)).toEqual({ targetMs: 2, slackMs: 6_000 });
  });
});
