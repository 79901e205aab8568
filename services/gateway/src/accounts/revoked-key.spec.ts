import { GraphQLError } from 'graphql';
import { apiError } from '../api/errors';
import { isNoValidKey, revokedAlready } from './revoked-key';

const noValidKey = () => apiError('NOT_FOUND', 'account acc-1 has no valid key k1', 'keyId');
const answer = (e: unknown) => ({
  message: (e as GraphQLError).message,
  extensions: (e as GraphQLError).extensions,
});

describe('revoking a key revoked already', () => {
  it('is NOT_FOUND on keyId saying the key is revoked already, with extensions.revoked', () => {
    expect(answer(revokedAlready(noValidKey(), 'acc-1', 'k1', { revoked: true }))).toEqual({
      message:
        'key k1 of account acc-1 is already revoked: nothing was done (Account.apiKeys lists it, revoked)',
      extensions: { code: 'NOT_FOUND', field: 'keyId', revoked: true },
    });
  });

  it("leaves settlement's refusal as it is for a key the account never had, or one the model shows valid", () => {
    for (const key of [undefined, { revoked: false }]) {
      const error = noValidKey();
      expect(revokedAlready(error, 'acc-1', 'k1', key)).toBe(error);
    }
  });

  it('passes any other error as it is', () => {
    const other = apiError('NOT_FOUND', 'no such account', 'accountId');
    const boom = new Error('boom');
    expect(isNoValidKey(other)).toBe(false);
    expect(isNoValidKey(boom)).toBe(false);
    expect(isNoValidKey(noValidKey())).toBe(true);
    expect(revokedAlready(other, 'acc-1', 'k1', { revoked: true })).toBe(other);
    expect(revokedAlready(boom, 'acc-1', 'k1', { revoked: true })).toBe(boom);
  });
});
