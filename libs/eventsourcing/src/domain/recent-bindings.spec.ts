import { RecentBindings } from './recent-bindings';

describe('RecentBindings', () => {
  it('tells another request with a key bound lately, not the same request, nor one bound long ago', () => {
    const recent = new RecentBindings(1_000, 10);
    recent.remember('k', 'f1', 0);
    expect(recent.boundToAnother('k', 'f2', 500)).toBe(true);
    expect(recent.boundToAnother('k', 'f1', 500)).toBe(false);
    expect(recent.boundToAnother('other', 'f2', 500)).toBe(false);
    expect(recent.boundToAnother('k', 'f2', 1_000)).toBe(false);
  });

  it('keeps a key from its last binding, and forgets the oldest first past its time or its size', () => {
    const recent = new RecentBindings(1_000, 2);
    recent.remember('a', 'fa', 0);
    recent.remember('b', 'fb', 100);
    recent.remember('a', 'fa', 200); // bound again: now the newest
    recent.remember('c', 'fc', 300); // over 2: b, the oldest, goes
    expect(recent.size).toBe(2);
    expect(recent.boundToAnother('b', 'x', 300)).toBe(false);
    expect(recent.boundToAnother('a', 'x', 300)).toBe(true);
    recent.remember('d', 'fd', 1_350); // a (200) and c (300) are past 1,000 ms by then
    expect(recent.size).toBe(1);
    expect(recent.boundToAnother('d', 'x', 1_350)).toBe(true);
  });
});
