import { DEFAULT_POISON } from './options';
import { afterFailure, MAX_RETRY_DELAY_MS } from './poison';

describe('afterFailure', () => {
  const options = { attempts: 4, backoffMs: 100 };

  it('retries a failing batch with a doubling pause, then stops on its last attempt', () => {
    expect(afterFailure(0, false, options)).toEqual({ kind: 'retry', attempts: 1, delayMs: 100 });
    expect(afterFailure(1, false, options)).toEqual({ kind: 'retry', attempts: 2, delayMs: 200 });
    expect(afterFailure(2, false, options)).toEqual({ kind: 'retry', attempts: 3, delayMs: 400 });
    expect(afterFailure(3, false, options)).toEqual({ kind: 'stop', attempts: 4 });
  });

  it('counts nothing while Redis is disconnected, and never pauses longer than the cap', () => {
    expect(afterFailure(0, true, options)).toEqual({ kind: 'retry', attempts: 0, delayMs: 100 });
    expect(afterFailure(2, true, options)).toEqual({ kind: 'retry', attempts: 2, delayMs: 200 });
    expect(afterFailure(30, true, options)).toEqual({
      kind: 'retry',
      attempts: 30,
      delayMs: MAX_RETRY_DELAY_MS,
    });
  });

  it('stops at once when one attempt is all a batch gets', () => {
    expect(afterFailure(0, false, { attempts: 1, backoffMs: 100 })).toEqual({ kind: 'stop', attempts: 1 });
  });

  it('reports a poison batch well within the 10 s /health promises, by default', () => {
    let total = 0;
    for (let previous = 0; ; previous++) {
      const step = afterFailure(previous, false, DEFAULT_POISON);
      if (step.kind === 'stop') break;
      total += step.delayMs;
    }
    expect(total).toBeLessThanOrEqual(5_000);
  });
});
