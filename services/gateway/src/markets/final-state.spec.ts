import { isLastView, marketAtRest, markedLast } from './final-state';

describe('marketAtRest', () => {
  it('is a closed market with an empty book only', () => {
    expect(marketAtRest('closed', 0, 0)).toBe(true);
    // The close's cancellations not all applied yet: more notices come.
    expect(marketAtRest('closed', 1, 0)).toBe(false);
    expect(marketAtRest('closed', 0, 2)).toBe(false);
    // An open market, empty or not, changes again; one pricing has not folded is not known closed.
    expect(marketAtRest('open', 0, 0)).toBe(false);
    expect(marketAtRest(undefined, 0, 0)).toBe(false);
  });
});

describe('markedLast', () => {
  it('marks the view itself, and only when at rest', () => {
    const last = markedLast({ marketId: 'm1' }, true);
    const notLast = markedLast({ marketId: 'm1' }, false);
    expect(isLastView(last)).toBe(true);
    expect(isLastView(notLast)).toBe(false);
    expect(isLastView({ marketId: 'm1' })).toBe(false);
    expect(isLastView(null)).toBe(false);
  });
});
