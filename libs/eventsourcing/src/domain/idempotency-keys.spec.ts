import { keyUse, pruneKeys, RememberedKey, scopedKey } from './idempotency-keys';

describe('idempotency keys', () => {
  describe('scoping', () => {
    it('gives one key per caller, operation and client key', () => {
      const k = scopedKey('admin', 'settlement.Deposit', 'K');
      expect(scopedKey('admin', 'settlement.Deposit', 'K')).toBe(k);
      expect(scopedKey('account:acc-a', 'settlement.Deposit', 'K')).not.toBe(k);
      expect(scopedKey('admin', 'settlement.Withdraw', 'K')).not.toBe(k);
      expect(scopedKey('admin', 'settlement.Deposit', 'K2')).not.toBe(k);
    });

    it('cannot be confused by separators inside the parts', () => {
      expect(scopedKey('a:b', 'c', 'd')).not.toBe(scopedKey('a', 'b:c', 'd'));
      expect(scopedKey('a', 'b', 'c\nd')).not.toBe(scopedKey('a', 'b\nc', 'd'));
    });

    it('fits any client key in a bounded header', () => {
      expect(scopedKey('account:acc-a', 'orders.PlaceOrder', 'x'.repeat(512))).toMatch(/^idem-[0-9a-f]{64}$/);
    });
  });

  describe('use of a key', () => {
    const window = 1_000;
    it('is new when not remembered, a retry with the same fingerprint, reused with another', () => {
      expect(keyUse(undefined, 'f1', 5_000, window)).toBe('new');
      expect(keyUse({ at: 4_500, fingerprint: 'f1' }, 'f1', 5_000, window)).toBe('retry');
      expect(keyUse({ at: 4_500, fingerprint: 'f1' }, 'f2', 5_000, window)).toBe('reused');
    });

    it('is new again once the window has passed: the key is forgotten', () => {
      expect(keyUse({ at: 4_000, fingerprint: 'f1' }, 'f2', 5_000, window)).toBe('reused');
      expect(keyUse({ at: 3_999, fingerprint: 'f1' }, 'f2', 5_000, window)).toBe('new');
      expect(keyUse({ at: 3_999, fingerprint: 'f1' }, 'f1', 5_000, window)).toBe('new');
    });

    it('is a retry when the key was remembered without a fingerprint', () => {
      expect(keyUse({ at: 4_500 }, 'f2', 5_000, window)).toBe('retry');
    });
  });

  describe('pruning', () => {
    const keys = (...ats: number[]) =>
      new Map<string, RememberedKey>(ats.map((at, i) => [`k${i}`, { at, fingerprint: `f${i}` }]));

    it('forgets keys older than the window', () => {
      const m = keys(100, 3_999, 4_000, 4_500);
      expect(pruneKeys(m, 5_000, 1_000, 10)).toBe(2);
      expect([...m.keys()]).toEqual(['k2', 'k3']);
    });

    it('stops at the first key within the window: one expired behind it waits, and counts as new', () => {
      const m = keys(100, 4_500, 200, 4_600);
      expect(pruneKeys(m, 5_000, 1_000, 10)).toBe(1);
      expect([...m.keys()]).toEqual(['k1', 'k2', 'k3']);
      expect(keyUse(m.get('k2'), 'f2', 5_000, 1_000)).toBe('new');
      // Once the keys before it have expired, it goes with them.
      expect(pruneKeys(m, 5_550, 1_000, 10)).toBe(2);
      expect([...m.keys()]).toEqual(['k3']);
    });

    it('keeps at most the cap, evicting the oldest first', () => {
      const m = keys(4_100, 4_200, 4_300, 4_400, 4_500);
      expect(pruneKeys(m, 5_000, 1_000, 3)).toBe(2);
      expect([...m.keys()]).toEqual(['k2', 'k3', 'k4']);
    });

    it('applies both: the window first, then the cap', () => {
      const m = keys(1, 2, 4_100, 4_200, 4_300);
      expect(pruneKeys(m, 5_000, 1_000, 2)).toBe(3);
      expect([...m.keys()]).toEqual(['k3', 'k4']);
    });

    it('leaves a map within both alone', () => {
      const m = keys(4_100, 4_200);
      expect(pruneKeys(m, 5_000, 1_000, 2)).toBe(0);
      expect(m.size).toBe(2);
    });
  });
});
