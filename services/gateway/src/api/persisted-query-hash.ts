import type { GraphQLError } from 'graphql';
import { apiError } from './errors';

/** What an automatic persisted query's hash is: the sha256 of the query text, in lowercase hex. */
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A persisted query (APQ, `extensions.persistedQuery`) whose sha256Hash is no sha256 (not a string,
 * or not 64 lowercase hex characters) is refused BAD_REQUEST naming it, as Apollo's other refusals
 * of a malformed persisted query are (errors.ts): Apollo looked such a hash up and answered
 * PERSISTED_QUERY_NOT_FOUND, and an APQ client, told so, sends the query again with the same
 * malformed hash, to be refused again. Undefined for anything else: no persistedQuery, one whose
 * version is wrong (Apollo refuses it first, naming version), or a well-formed hash.
 */
export function persistedQueryHashError(extensions: unknown): GraphQLError | undefined {
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (typeof persisted !== 'object' || persisted === null) return undefined;
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  if (version !== 1) return undefined;
  if (typeof sha256Hash === 'string' && SHA256_HEX.test(sha256Hash)) return undefined;
  return apiError(
    'BAD_REQUEST',
    `extensions.persistedQuery.sha256Hash must be the sha256 of the query text as 64 lowercase hex characters (this one is ${described(sha256Hash)})`,
    'extensions.persistedQuery.sha256Hash',
  );
}

/** What a hash that is no sha256 is, in a few words. */
function described(hash: unknown): string {
  if (typeof hash === 'string')
    return hash.length === 64 ? '64 characters long, not all 0-9 a-f' : `${hash.length} characters long`;
  if (hash === undefined) return 'missing';
  if (hash === null) return 'null';
  if (Array.isArray(hash)) return 'a list';
  return typeof hash === 'object' ? 'an object' : `a ${typeof hash}`;
}
