import { missedEventsError } from './channel-kinds';

describe('missedEventsError', () => {
  it('is UNAVAILABLE, saying why and what to do', () => {
    expect(missedEventsError('fell-behind', 100)).toMatchObject({
      message:
        'this subscriber fell behind: more than 100 events waited unsent; events may be missing: read the current state again, then subscribe again',
      extensions: { code: 'UNAVAILABLE' },
    });
    expect(missedEventsError('disconnected').message).toMatch(/^the gateway lost its connection to Redis/);
  });
});
