import {
  describeErrors,
  KEY_REFUSED_CLOSE_CODE,
  KEY_REFUSED_MESSAGE,
  refusesKey,
  refusesKeyClose,
  signsOut,
  socketClosedError,
} from './errors';

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

describe('refusesKey', () => {
  it('is UNAUTHENTICATED: the key unknown, revoked or rotated, among any other errors', () => {
    expect(refusesKey([{ message: 'unknown API key', extensions: { code: 'UNAUTHENTICATED' } }])).toBe(true);
    expect(
      refusesKey([
        { message: 'a', extensions: { code: 'NOT_FOUND' } },
        { message: 'b', extensions: { code: 'UNAUTHENTICATED' } },
      ]),
    ).toBe(true);
  });

  it('is nothing else: an outage, a rate limit, a refusal of the operation or the network keep the key', () => {
    for (const code of [
      'UNAVAILABLE',
      'RATE_LIMITED',
      'FORBIDDEN',
      'NETWORK',
      'HTTP',
      'INTERNAL',
      'SUBSCRIPTION',
    ])
      expect(refusesKey([{ message: 'x', extensions: { code } }])).toBe(false);
    expect(refusesKey([{ message: 'HTTP 502' }])).toBe(false);
    expect(refusesKey([])).toBe(false);
  });
});

describe('refusesKeyClose', () => {
  it('is a close 4401', () => {
    expect(KEY_REFUSED_CLOSE_CODE).toBe(4401);
    expect(refusesKeyClose({ code: 4401, reason: 'the API key was revoked' })).toBe(true);
  });

  it('is no other close, nor what is not a close event', () => {
    for (const code of [1000, 1006, 1008, 1011, 1012, 4403, 4499, '4401'])
      expect(refusesKeyClose({ code, reason: '' })).toBe(false);
    expect(refusesKeyClose(new Error('socket error'))).toBe(false);
    expect(refusesKeyClose(undefined)).toBe(false);
    expect(refusesKeyClose(null)).toBe(false);
  });
});

describe('signsOut', () => {
  it('signs out of the accepted key held, refused with it', () => {
    expect(signsOut('gpx_a', { key: 'gpx_a', accepted: true })).toBe(true);
  });

  it('keeps a key being checked at sign-in: the sign-in tells its refusal', () => {
    expect(signsOut('gpx_a', { key: 'gpx_a', accepted: false })).toBe(false);
  });

  it('keeps another key: the refused one was signed out of, or replaced, since the request left', () => {
    expect(signsOut('gpx_a', { key: 'gpx_b', accepted: true })).toBe(false);
    expect(signsOut('gpx_a', { key: null, accepted: false })).toBe(false);
  });

  it('takes no key sent (refused for wanting one) as a refusal of the key held', () => {
    expect(signsOut(null, { key: 'gpx_a', accepted: true })).toBe(false);
    expect(signsOut(null, { key: null, accepted: false })).toBe(false);
  });
});

it('says in one line why the console signed out, and what to do', () => {
  expect(KEY_REFUSED_MESSAGE).not.toContain('\n');
  expect(KEY_REFUSED_MESSAGE).toMatch(/refused.*sign in with another key/);
});
