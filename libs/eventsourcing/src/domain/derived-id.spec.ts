import { derivedId } from './derived-id';

describe('derivedId', () => {
  it('is the same for the same seed, UUID-shaped, and different for another seed', () => {
    expect(derivedId('cmd-1#0')).toBe(derivedId('cmd-1#0'));
    expect(derivedId('cmd-1#0')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(derivedId('cmd-1#1')).not.toBe(derivedId('cmd-1#0'));
  });

  it('keeps the derivation the log was written with (pinned: a change would give replays new ids)', () => {
    expect(derivedId('abc')).toBe('ba7816bf-8f01-cfea-4141-40de5dae2223');
  });
});
