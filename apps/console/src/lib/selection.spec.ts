import { keptSelection } from './selection';

describe('keptSelection', () => {
  it('selects the first market when the list is filled the first time', () => {
    expect(keptSelection('', [], ['m1', 'm2'])).toBe('m1');
    expect(keptSelection('', [], [])).toBe('');
  });

  it("keeps the user's market when it is still listed, wherever it moved", () => {
    expect(keptSelection('m2', ['m1', 'm2'], ['m0', 'm1', 'm2'])).toBe('m2');
    expect(keptSelection('m2', ['m1', 'm2'], ['m2'])).toBe('m2');
  });

  it('selects nothing, not another market, when the chosen one has gone', () => {
    expect(keptSelection('m2', ['m1', 'm2'], ['m1', 'm3'])).toBe('');
    expect(keptSelection('m1', ['m1'], [])).toBe('');
  });

  it('keeps nothing selected when nothing was chosen from a list that offered markets', () => {
    expect(keptSelection('', ['m1'], ['m1', 'm2'])).toBe('');
  });
});
