import { requestFieldAtFault } from './request-field';

describe("requestFieldAtFault: the part of the request Apollo's refusals of its shape are about", () => {
  it.each([
    [
      '`variables` in a POST body should be provided as an object, not a recursively JSON-encoded string.',
      'variables',
    ],
    ['`variables` in a POST body must be an object if provided.', 'variables'],
    [
      '`extensions` in a POST body should be provided as an object, not a recursively JSON-encoded string.',
      'extensions',
    ],
    ['`extensions` in a POST body must be an object if provided.', 'extensions'],
    ['`operationName` in a POST body must be a string if provided.', 'operationName'],
    ['GraphQL queries must be strings.', 'query'],
    [
      "GraphQL queries must be strings. It looks like you're sending the internal graphql-js representation of a parsed query in your request instead of a request in the GraphQL query language. You can convert an AST to a string using the `print` function from `graphql`, or use a client like `apollo-client` which converts the internal representation to a string for you.",
      'query',
    ],
    ['GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.', 'query'],
    ['The variables search parameter contains invalid JSON.', 'variables'],
    ['The variables search parameter should contain a JSON-encoded object.', 'variables'],
    ['The extensions search parameter contains invalid JSON.', 'extensions'],
    ["The 'query' search parameter may only be specified once.", 'query'],
    ["The 'operationName' search parameter may only be specified once.", 'operationName'],
  ])('names it in %j', (message, field) => {
    expect(requestFieldAtFault('BAD_REQUEST', message)).toBe(field);
  });

  it.each([
    'Operation batching disabled.',
    'GET requests only support query operations, not mutation operations',
    'Apollo Server supports only GET/POST requests.',
    "The 'foo' search parameter may only be specified once.",
    'Variable "$n" of required type "Int!" was not provided.',
  ])('names nothing in %j, which is about no one part of the request', (message) => {
    expect(requestFieldAtFault('BAD_REQUEST', message)).toBeUndefined();
  });

  it("names the hash of an automatic persisted query the gateway does not know, whose message is Apollo's PersistedQueryNotFound", () => {
    expect(requestFieldAtFault('PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound')).toBe(
      'extensions.persistedQuery.sha256Hash',
    );
  });

  it('names nothing for the messages of other codes', () => {
    expect(
      requestFieldAtFault('GRAPHQL_VALIDATION_FAILED', 'GraphQL queries must be strings.'),
    ).toBeUndefined();
  });
});
