import Redis from 'ioredis';
import { GraphQLError } from 'graphql';
import { ApiKeys, authorizationOfParams, parseAuthorization } from './auth';

const ADMIN_KEY = 'auth-spec-admin-key-0123456789';

describe('parseAuthorization', () => {
  it('takes the Bearer scheme in any case (RFC 7235: the scheme is case-insensitive)', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR'])
      expect(parseAuthorization(`${scheme} gpx_0123456789abcdef`)).toEqual({
        kind: 'key',
        key: 'gpx_0123456789abcdef',
      });
    expect(parseAuthorization('Bearer   gpx_0123456789abcdef')).toEqual({
      kind: 'key',
      key: 'gpx_0123456789abcdef',
    });
  });

  it('tells no key from a header of the wrong form', () => {
    expect(parseAuthorization(undefined)).toEqual({ kind: 'none' });
    for (const header of [
      '',
      'gpx_0123456789abcdef',
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer ',
      'Bearer a b',
    ])
      expect(parseAuthorization(header)).toEqual({ kind: 'malformed' });
  });

  it('tells two headers from one, and one header from a list of one', () => {
    expect(parseAuthorization(['Bearer gpx_0123456789abcdef', 'Bearer gpx_fedcba9876543210'])).toEqual({
      kind: 'repeated',
      count: 2,
    });
    expect(parseAuthorization(['Bearer gpx_0123456789abcdef'])).toEqual({
      kind: 'key',
      key: 'gpx_0123456789abcdef',
    });
  });

  it('takes a well-formed key of a length the exchange never issues for an unknown key, not a malformed header', () => {
    expect(parseAuthorization('Bearer gpx_bogus')).toEqual({ kind: 'unknown', key: 'gpx_bogus' });
    expect(parseAuthorization(`Bearer ${'k'.repeat(257)}`)).toEqual({
      kind: 'unknown',
      key: 'k'.repeat(257),
    });
  });
});

describe('authorizationOfParams', () => {
  const KEY = 'Bearer gpx_0123456789abcdef';
  const OTHER = 'Bearer gpx_fedcba9876543210';

  it('reads the key under headers as several clients send it, its name in any case', () => {
    expect(authorizationOfParams({ headers: { authorization: KEY } })).toBe(KEY);
    expect(authorizationOfParams({ headers: { Authorization: KEY } })).toBe(KEY);
    expect(authorizationOfParams({ headers: { AUTHORIZATION: KEY } })).toBe(KEY);
    // The same key at the top level and under headers is one key, however its scheme is written.
    expect(authorizationOfParams({ authorization: KEY, headers: { authorization: KEY } })).toBe(KEY);
    expect(
      authorizationOfParams({
        authorization: KEY,
        headers: { authorization: KEY.replace('Bearer', 'bearer') },
      }),
    ).toBe(KEY);
    // As fetch's list of [name, value] pairs too.
    expect(authorizationOfParams({ headers: [['Authorization', KEY]] })).toBe(KEY);
  });

  it("takes an empty key under headers for none, as an anonymous client's `token ? 'Bearer …' : ''` sends it", () => {
    expect(authorizationOfParams({ headers: { authorization: '' } })).toBeUndefined();
    expect(authorizationOfParams({ headers: { authorization: '  ' } })).toBeUndefined();
    expect(authorizationOfParams({ authorization: KEY, headers: { authorization: '' } })).toBe(KEY);
  });

  it('takes a key under headers and another elsewhere for two keys, never picking one', () => {
    expect(authorizationOfParams({ authorization: KEY, headers: { authorization: OTHER } })).toEqual([
      KEY,
      OTHER,
    ]);
    expect(authorizationOfParams({ headers: { authorization: KEY, Authorization: OTHER } })).toEqual([
      KEY,
      OTHER,
    ]);
  });

  it('refuses a key under headers that is no string as malformed, and reads nothing else there', () => {
    expect(authorizationOfParams({ headers: { authorization: 42 } })).toBe('');
    expect(authorizationOfParams({ headers: { 'x-api-key': KEY, cookie: KEY } })).toBeUndefined();
    expect(authorizationOfParams({ headers: 'authorization' })).toBeUndefined();
    expect(authorizationOfParams({ headers: [KEY] })).toBeUndefined();
    expect(authorizationOfParams(undefined)).toBeUndefined();
  });
});

describe('ApiKeys.authenticate, without a lookup', () => {
  // Nothing below reaches Redis: the admin key is compared in memory, a malformed or impossible key
  // is refused before any lookup. The client never connects.
  const redis = new Redis({ lazyConnect: true });
  const keys = new ApiKeys(ADMIN_KEY, redis);
  afterAll(() => redis.disconnect());

  const refusal = async (header: string) => {
    const error = await keys.authenticate(header).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GraphQLError);
    return { code: (error as GraphQLError).extensions['code'], message: (error as GraphQLError).message };
  };

  it('lets the admin key in with a lowercase scheme', async () => {
    expect(await keys.authenticate(`bearer ${ADMIN_KEY}`)).toEqual({ accountId: 'admin', roles: ['admin'] });
  });

  it('says a well-formed but too short key is not known, never that the header must be "Bearer <API key>"', async () => {
    expect(await refusal('Bearer gpx_bogus')).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'the API key is not known: it was revoked, or is mistyped',
    });
    expect(await refusal('bearer gpxn_short')).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'the node credential is not known: it was rotated or revoked, or is mistyped',
    });
  });

  it('says what to send for a header of the wrong form', async () => {
    expect(await refusal(`Token ${ADMIN_KEY}`)).toEqual({
      code: 'UNAUTHENTICATED',
      message:
        'the Authorization header (on a WebSocket, connectionParams.authorization) must be the string "Bearer <API key>"',
    });
  });
});
