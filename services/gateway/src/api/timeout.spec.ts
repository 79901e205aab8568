import { ERROR_CODES } from './error-codes';
import { TIMEOUT_RETRY_MS, timedOutError } from './timeout';

describe('a TIMEOUT', () => {
  it('says when to retry (retryAfterMs) beside the key to retry with', () => {
    const error = timedOutError('no outcome within 10000 ms', { idempotencyKey: 'k1', orderId: 'ord-1' });
    expect(error.message).toBe('no outcome within 10000 ms');
    expect(error.extensions).toEqual({
      code: 'TIMEOUT',
      idempotencyKey: 'k1',
      orderId: 'ord-1',
      retryAfterMs: TIMEOUT_RETRY_MS,
    });
  });

  it('asks for the retry after a crashed service has likely been replaced, not at once', () => {
    expect(TIMEOUT_RETRY_MS).toBe(5_000);
    expect(timedOutError('late').extensions['retryAfterMs']).toBe(5_000);
  });

  it('is documented with its retryAfterMs', () => {
    expect(ERROR_CODES.TIMEOUT.description).toMatch(/extensions\.retryAfterMs/);
  });
});
