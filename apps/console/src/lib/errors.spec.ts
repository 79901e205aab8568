import { describeErrors, socketClosedError } from './errors';

describe('describeErrors', () => {
  it('shows the code, the field and the message', () => {
    expect(
      describeErrors([
        {
          message: 'the bid needs 12.30 and 5.00 is available',
          extensions: { code: 'INSUFFICIENT_FUNDS', field: 'price' },
        },
      ]),
    ).toBe('INSUFFICIENT_FUNDS (price): the bid needs 12.30 and 5.00 is available');
  });

  it('shows an error without a field or code, one a line', () => {
    expect(
      describeErrors([{ message: 'a', extensions: { code: 'UNAUTHENTICATED' } }, { message: 'b' }]),
    ).toBe('UNAUTHENTICATED: a\nERROR: b');
  });

  it('says the request failed when no error came with it', () => {
    expect(describeErrors([])).toBe('the request failed');
  });
});

describe('socketClosedError', () => {
  it("shows the gateway's close reason and code", () => {
    expect(
      describeErrors([
        socketClosedError({
          code: 1008,
          reason: 'too many sockets: this caller already has 50 open, the most allowed; close one first',
        }),
      ]),
    ).toBe(
      'SUBSCRIPTION: the subscription closed: too many sockets: this caller already has 50 open, the most allowed; close one first (WebSocket close 1008)',
    );
  });

  it('says only that it closed when the event names no reason, or is not a close event', () => {
    expect(socketClosedError({ code: 1006, reason: '' }).message).toBe(
      'the subscription closed (WebSocket close 1006)',
    );
    expect(socketClosedError(new Error('x')).message).toBe('the subscription closed');
    expect(socketClosedError(undefined).message).toBe('the subscription closed');
  });
});
