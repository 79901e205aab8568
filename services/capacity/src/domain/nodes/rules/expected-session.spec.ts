import { sessionChangedSince } from './expected-session';

describe('the expected-session rule (a conditional start)', () => {
  it('an unconditional start (replace: true) is never refused, whatever holds the node', () => {
    expect(sessionChangedSince(undefined, 'ses-a', 'ses-b')).toBe(false);
    expect(sessionChangedSince(undefined, null, 'ses-b')).toBe(false);
  });

  it('starts when the node has the session the gateway found: none, or the one it judged not live', () => {
    expect(sessionChangedSince(null, null, 'ses-b')).toBe(false);
    expect(sessionChangedSince(null, undefined, 'ses-b')).toBe(false);
    expect(sessionChangedSince('ses-a', 'ses-a', 'ses-b')).toBe(false);
  });

  it('is refused when another session started since the gateway read the node, or the one it found ended', () => {
    // A restarted worker's join (or another --once) started ses-c between the check and the start.
    expect(sessionChangedSince(null, 'ses-c', 'ses-b')).toBe(true);
    expect(sessionChangedSince('ses-a', 'ses-c', 'ses-b')).toBe(true);
    // The session found ended meanwhile (lost, left): the gateway reads the node again.
    expect(sessionChangedSince('ses-a', null, 'ses-b')).toBe(true);
  });

  it("resuming the node's own current session (a retry after a lost answer) replaces nothing: never refused", () => {
    expect(sessionChangedSince('ses-a', 'ses-b', 'ses-b')).toBe(false);
    expect(sessionChangedSince(null, 'ses-b', 'ses-b')).toBe(false);
  });
});
