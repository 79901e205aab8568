import { fitBytes, groupCommit, transactionSizes } from './group-commit';

describe('groupCommit', () => {
  const policy = { maxBatch: 100, lingerMs: 3 };

  it('does nothing with nothing queued, or while a write is in flight', () => {
    expect(groupCommit({ queued: 0, inFlight: false, oldestWaitedMs: 0 }, policy)).toBe('idle');
    expect(groupCommit({ queued: 50, inFlight: true, oldestWaitedMs: 10 }, policy)).toBe('idle');
  });

  it('writes a full batch at once, however young', () => {
    expect(groupCommit({ queued: 250, inFlight: false, oldestWaitedMs: 0 }, policy)).toEqual({ write: 100 });
    expect(groupCommit({ queued: 100, inFlight: false, oldestWaitedMs: 0 }, policy)).toEqual({ write: 100 });
  });

  it('lets a partial batch wait out the rest of the linger, then writes all of it', () => {
    expect(groupCommit({ queued: 7, inFlight: false, oldestWaitedMs: 1 }, policy)).toEqual({ waitMs: 2 });
    expect(groupCommit({ queued: 7, inFlight: false, oldestWaitedMs: 3 }, policy)).toEqual({ write: 7 });
    expect(groupCommit({ queued: 7, inFlight: false, oldestWaitedMs: 40 }, policy)).toEqual({ write: 7 });
  });

  it('with no linger writes what is queued at once: one command alone waits for nothing', () => {
    const now = { maxBatch: 100, lingerMs: 0 };
    expect(groupCommit({ queued: 1, inFlight: false, oldestWaitedMs: 0 }, now)).toEqual({ write: 1 });
    expect(groupCommit({ queued: 42, inFlight: false, oldestWaitedMs: 0 }, now)).toEqual({ write: 42 });
  });

  it('treats a nonsensical policy as the smallest sensible one', () => {
    expect(
      groupCommit({ queued: 5, inFlight: false, oldestWaitedMs: 0 }, { maxBatch: 0, lingerMs: -1 }),
    ).toEqual({
      write: 1,
    });
  });
});

describe('transactionSizes', () => {
  it('cuts a buffer into transactions of at most maxBatch, in order, losing none', () => {
    expect(transactionSizes(0, 10)).toEqual([]);
    expect(transactionSizes(3, 10)).toEqual([3]);
    expect(transactionSizes(10, 10)).toEqual([10]);
    expect(transactionSizes(25, 10)).toEqual([10, 10, 5]);
    expect(transactionSizes(2, 1)).toEqual([1, 1]);
  });
});

describe('fitBytes', () => {
  it('takes commands in order while their bytes fit, and always at least one', () => {
    expect(fitBytes([100, 100, 100], 3, 1_000)).toBe(3);
    expect(fitBytes([400, 400, 400], 3, 1_000)).toBe(2);
    expect(fitBytes([400, 400, 400], 1, 1_000)).toBe(1);
    expect(fitBytes([5_000, 10], 2, 1_000)).toBe(1);
  });
});
