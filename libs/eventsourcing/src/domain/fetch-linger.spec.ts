import { lingerAfter } from './fetch-linger';

describe('lingerAfter (group commit under load)', () => {
  const linger = { lingerMs: 50, fromRecords: 2 };
  const batch = (records: number, awaited = false) => ({ records, awaited });

  it('never waits after a batch below the threshold: a quiet partition fetches again at once', () => {
    expect(lingerAfter(linger, batch(1), 1_000, 1_001)).toBe(0);
    expect(lingerAfter(linger, batch(0), 1_000, 1_000)).toBe(0);
  });

  it('after a batch at or above it, waits until the linger has passed since its fetch came back', () => {
    expect(lingerAfter(linger, batch(2), 1_000, 1_010)).toBe(40);
    expect(lingerAfter(linger, batch(500), 1_000, 1_000)).toBe(50);
  });

  it('never waits after a batch that held a record a caller waits on, however large', () => {
    expect(lingerAfter(linger, batch(2, true), 1_000, 1_010)).toBe(0);
    expect(lingerAfter(linger, batch(500, true), 1_000, 1_000)).toBe(0);
  });

  it('does not wait once handling the batch took the linger or longer', () => {
    expect(lingerAfter(linger, batch(10), 1_000, 1_050)).toBe(0);
    expect(lingerAfter(linger, batch(10), 1_000, 1_400)).toBe(0);
  });

  it('never waits more than the linger, whatever the clock says of the fetch', () => {
    // A fetch time ahead of now (a clock step back) must not make a record wait past its bound.
    expect(lingerAfter(linger, batch(10), 2_000, 1_000)).toBe(50);
  });

  it('a linger of 0 (or none) never waits, whatever the batch', () => {
    expect(lingerAfter({ lingerMs: 0, fromRecords: 2 }, batch(1_000), 1_000, 1_000)).toBe(0);
    expect(lingerAfter({ lingerMs: Number.NaN, fromRecords: 2 }, batch(1_000), 1_000, 1_000)).toBe(0);
  });

  it('a threshold below one record counts as one (an empty batch never waits)', () => {
    expect(lingerAfter({ lingerMs: 50, fromRecords: 0 }, batch(0), 1_000, 1_000)).toBe(0);
    expect(lingerAfter({ lingerMs: 50, fromRecords: 0 }, batch(1), 1_000, 1_000)).toBe(50);
  });
});
