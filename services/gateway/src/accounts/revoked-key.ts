import { GraphQLError } from 'graphql';
import { apiError } from '../api/errors';

/**
 * Settlement refuses to revoke a key that is not valid, NOT_FOUND "has no valid key", whether it
 * never existed or is revoked already. The refusal of a key revoked already says so, still
 * NOT_FOUND (there is no valid key to revoke: DO_NOT_RETRY, as for a key that never was, and the
 * code clients already branch on), with `extensions.revoked: true` to tell the two apart without
 * reading the message. `key`: the key as Account.apiKeys lists it (undefined when it does not).
 * Anything else passes as it is.
 */
export function revokedAlready(
  error: unknown,
  accountId: string,
  keyId: string,
  key: { revoked: boolean } | undefined,
): unknown {
  if (!isNoValidKey(error) || !key?.revoked) return error;
  return apiError(
    'NOT_FOUND',
    `key ${keyId} of account ${accountId} is already revoked: nothing was done (Account.apiKeys lists it, revoked)`,
    'keyId',
    { revoked: true },
  );
}

/** Settlement's refusal of a key that is not valid: NOT_FOUND on keyId. */
export function isNoValidKey(error: unknown): error is GraphQLError {
  return (
    error instanceof GraphQLError &&
    error.extensions['code'] === 'NOT_FOUND' &&
    error.extensions['field'] === 'keyId'
  );
}
