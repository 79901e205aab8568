import { session } from './session';

describe('session', () => {
  let changes = 0;
  let stop: () => void;
  beforeEach(() => {
    stop = session.onChange(() => (changes += 1));
    session.set(null);
    changes = 0;
  });
  afterEach(() => stop());

  const signIn = (key: string) => {
    session.set(key);
    session.accept(key);
  };

  it('signs out when the gateway refuses the key held, once, and says why', () => {
    signIn('gpx_a');
    expect(session.refused).toBe(false);
    expect(session.refuse('gpx_a')).toBe(true);
    expect(session.key).toBeNull();
    expect(session.refused).toBe(true);
    expect(changes).toBe(2);
    // Later answers to requests sent with it (in flight when it was refused) change nothing.
    expect(session.refuse('gpx_a')).toBe(false);
    expect(changes).toBe(2);
  });

  it('keeps a key refused while sign-in checks it: the sign-in says so, and signs out itself', () => {
    session.set('gpx_a');
    expect(session.refuse('gpx_a')).toBe(false);
    expect(session.key).toBe('gpx_a');
    expect(session.refused).toBe(false);
  });

  it('keeps the key held when a request sent with another one, or with none, is refused', () => {
    signIn('gpx_a');
    session.set(null);
    signIn('gpx_b');
    expect(session.refuse('gpx_a')).toBe(false);
    expect(session.refuse(null)).toBe(false);
    expect(session.key).toBe('gpx_b');
  });

  it('accepts only the key still held', () => {
    session.set('gpx_a');
    session.set('gpx_b');
    session.accept('gpx_a');
    expect(session.refuse('gpx_b')).toBe(false);
    expect(session.key).toBe('gpx_b');
  });

  it('forgets why it signed out at the next sign-in or sign-out', () => {
    signIn('gpx_a');
    session.refuse('gpx_a');
    session.set('gpx_b');
    expect(session.refused).toBe(false);
    session.set(null);
    expect(session.refused).toBe(false);
  });

  it('a sign-out by hand is no refusal', () => {
    signIn('gpx_a');
    session.set(null);
    expect(session.refused).toBe(false);
  });
});
