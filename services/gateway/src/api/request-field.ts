const BODY_KEY = /^`(variables|extensions|operationName)` in a POST body /;
const SEARCH_PARAMETER =
  /^The '?(query|variables|extensions|operationName)'? search parameter (?:contains invalid JSON|should contain a JSON-encoded object|may only be specified once)\.$/;
const QUERY =
  /^(?:GraphQL queries must be strings\.|GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension\.)/;

/**
 * The part of an HTTP request at fault in Apollo's own refusals of a request's shape, which it
 * raises as BAD_REQUEST without `extensions.field`: the key of the POST body (`query`,
 * `variables`, `extensions`, `operationName`) or the search parameter of a GET that is wrong; and
 * the hash of an automatic persisted query it does not know (PERSISTED_QUERY_NOT_FOUND). A client
 * branches on the code and reads the field (README, "Errors"), so these name it as every other
 * refusal does. Undefined for a message about no one part (a batch, a GET of a mutation).
 */
export function requestFieldAtFault(code: string, message: string): string | undefined {
  if (code === 'PERSISTED_QUERY_NOT_FOUND') return 'extensions.persistedQuery.sha256Hash';
  if (code !== 'BAD_REQUEST') return undefined;
  const key = BODY_KEY.exec(message) ?? SEARCH_PARAMETER.exec(message);
  if (key) return key[1];
  return QUERY.test(message) ? 'query' : undefined;
}
