import { treeLayout } from './merkle-wgsl';

describe('treeLayout', () => {
  it('lays out every level, leaves first, up to the root', () => {
    expect(treeLayout(1)).toEqual([{ offset: 0, count: 1 }]);
    expect(treeLayout(5)).toEqual([
      { offset: 0, count: 5 },
      { offset: 40, count: 3 },
      { offset: 64, count: 2 },
      { offset: 80, count: 1 },
    ]);
    expect(treeLayout(2 ** 40).at(-1)).toMatchObject({ count: 1 });
  });

  it('refuses a count of leaves it could not halve down to one (it looped forever on them)', () => {
    // The first two ended (wrongly laid out) before; the others never did.
    for (const leaves of [1.5, 2 ** 53, 0, -1, NaN, Infinity, -Infinity])
      expect(() => treeLayout(leaves)).toThrow(RangeError);
  });
});
