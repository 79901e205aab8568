import { fingerprint, LastSent } from './last-sent';

describe('what a subscription sent last, per entity', () => {
  it('finds the same state sent again a repeat, and a changed one not', () => {
    const sent = new LastSent();
    expect(sent.repeats('ord-1', { id: 'ord-1', status: 'OPEN' })).toBe(false);
    // A bid that trades at once: two notices, both read after both events, the same FILLED.
    expect(sent.repeats('ord-1', { id: 'ord-1', status: 'FILLED' })).toBe(false);
    expect(sent.repeats('ord-1', { id: 'ord-1', status: 'FILLED' })).toBe(true);
    // Another order's state is its own.
    expect(sent.repeats('ord-2', { id: 'ord-2', status: 'FILLED' })).toBe(false);
    expect(sent.repeats('ord-1', { id: 'ord-1', status: 'FILLED' })).toBe(true);
    // A state sent before, but not last, is news again.
    expect(sent.repeats('ord-1', { id: 'ord-1', status: 'CANCELLED' })).toBe(false);
    expect(sent.repeats('ord-1', { id: 'ord-1', status: 'FILLED' })).toBe(false);
  });

  it('compares what would be sent: key order, null and undefined alike, nested values and dates', () => {
    const at = new Date('2025-01-01T00:00:00Z');
    expect(fingerprint({ a: 1, b: { c: [1, 2], d: null }, at })).toBe(
      fingerprint({ b: { d: undefined, c: [1, 2] }, a: 1, at: new Date(at) }),
    );
    expect(fingerprint({ a: 1, b: { c: [1, 2] } })).not.toBe(fingerprint({ a: 1, b: { c: [2, 1] } }));
    expect(fingerprint({ status: 'SUSPENDED', reason: 'NODE_LEFT' })).not.toBe(
      fingerprint({ status: 'SUSPENDED', reason: 'EXPIRED' }),
    );
    expect(fingerprint({ big: 10n })).not.toBe(fingerprint({ big: '10' }));
  });

  it('keeps at most `max` entities, forgetting the least recently sent first', () => {
    const sent = new LastSent(3);
    for (const id of ['a', 'b', 'c']) sent.repeats(id, { id });
    expect(sent.repeats('a', { id: 'a' })).toBe(true); // a is now the most recent
    sent.repeats('d', { id: 'd' }); // b forgotten
    expect(sent.size).toBe(3);
    expect(sent.repeats('a', { id: 'a' })).toBe(true);
    expect(sent.repeats('b', { id: 'b' })).toBe(false); // forgotten: sent again (c forgotten now)
    expect(sent.repeats('c', { id: 'c' })).toBe(false);
    expect(sent.size).toBe(3);
    for (let i = 0; i < 10_000; i++) sent.repeats(`o${i}`, { i });
    expect(sent.size).toBe(3);
  });
});
