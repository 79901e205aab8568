import { couldBeSessionId, newSessionId } from './session-ids';

describe('worker session ids', () => {
  it('tells the ids joinSession gives out from ids of any other form', () => {
    for (let i = 0; i < 100; i++) expect(couldBeSessionId(newSessionId())).toBe(true);
    for (const id of ['bogus', 'no-session', 'ses-1', `ses-${'0'.repeat(36)}`, ` ${newSessionId()}`])
      expect(couldBeSessionId(id)).toBe(false);
  });
});
