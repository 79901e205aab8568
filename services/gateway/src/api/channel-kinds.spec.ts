import { missedEventsError } from './channel-kinds';

describe('missedEventsError', () => {
  it('is UNAVAILABLE, saying why and what to do', () => {
    expect(
      missedEventsError('fell-behind', '120 events waited unsent, the oldest for 5001 ms'),
    ).toMatchObject({
      message:
        'this subscriber fell behind: 120 events waited unsent, the oldest for 5001 ms; events may be missing: read the current state again, then subscribe again',
      extensions: { code: 'UNAVAILABLE' },
    });
    expect(missedEventsError('disconnected').message).toMatch(/^the gateway lost its connection to Redis/);
  });
});
