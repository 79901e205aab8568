import { fillSize } from './fill-size';

describe('the fill-size rule', () => {
  it('takes as many GPUs as both sides have', () => {
    expect(fillSize(2, 1, 2, 3, 5)).toBe(3);
    expect(fillSize(2, 1, 4, 5, 3)).toBe(3);
  });

  it('trades only when the ask offers at least the hours the bid wants', () => {
    expect(fillSize(4, 1, 3, 2, 2)).toBe(0);
    expect(fillSize(3, 1, 3, 2, 2)).toBe(2);
  });

  it('takes at least the bid’s GPUs per node from one node, or nothing', () => {
    expect(fillSize(1, 4, 1, 8, 3)).toBe(0);
    expect(fillSize(1, 4, 1, 8, 4)).toBe(4);
  });

  it('never leaves the bid needing fewer than its GPUs per node: it takes fewer now instead', () => {
    // A bid of 5 with 2 per node against an ask of 4: 4 would leave 1, so it takes 3 and leaves 2.
    expect(fillSize(1, 2, 1, 5, 4)).toBe(3);
    // A bid of 3 with 2 per node against an ask of 2: 2 would leave 1, 1 is below the minimum.
    expect(fillSize(1, 2, 1, 3, 2)).toBe(0);
  });
});
