import { repeatsAgain, repeatsFor } from './timing';

describe('timing: how many runs one sample records', () => {
  it('records enough runs for the sample to last minSampleMs, within 1 and maxRepeats', () => {
    expect(repeatsFor(20, 250, 256)).toBe(13);
    expect(repeatsFor(400, 250, 256)).toBe(1);
    expect(repeatsFor(0, 250, 256)).toBe(256);
  });

  it('starts the samples over when the warm-up made one run look far longer than it is', () => {
    // An H200's 4096 product: a 20 ms warm-up set 13 runs for a 250 ms sample; they took 4 ms each.
    expect(repeatsAgain(4, 13, 250, 256)).toBe(63);
    // Then 63 runs of 4 ms last 252 ms: the sample stands.
    expect(repeatsAgain(4, 63, 250, 256)).toBeNull();
    // A sample within half of minSampleMs stands as it is (lavapipe: the warm-up is one run).
    expect(repeatsAgain(15, 10, 250, 256)).toBeNull();
    // At maxRepeats there is nothing more to record.
    expect(repeatsAgain(0.1, 256, 250, 256)).toBeNull();
  });
});
