import type { IncomingMessage } from 'node:http';
import { requestShapeError } from './request-shape';

const request = (method: string, url: string, headers: Record<string, string> = {}, body?: unknown) =>
  ({ method, url, headers, body }) as IncomingMessage & { body?: unknown };
const get = (search: Record<string, string>) =>
  request('GET', `/graphql?${new URLSearchParams(search).toString()}`);
const SUBSCRIPTION = 'subscription S { tickerUpdated(marketId: "m1") { last } }';
const codeOf = (req: IncomingMessage) => requestShapeError(req, '/graphql')?.extensions;

describe('requestShapeError', () => {
  it('refuses a method that carries no GraphQL request 405, naming the method and those allowed', () => {
    for (const method of ['PUT', 'DELETE', 'PATCH', 'PROPFIND']) {
      const error = requestShapeError(request(method, '/graphql'), '/graphql');
      expect(error?.message).toMatch(new RegExp(`^a GraphQL request is not sent with ${method}: POST it`));
      expect(error?.extensions).toEqual({
        code: 'BAD_REQUEST',
        field: 'method',
        http: { status: 405, allow: 'GET, POST' },
      });
    }
    // HEAD and OPTIONS (a preflight) are not refused here.
    expect(codeOf(request('HEAD', '/graphql'))).toBeUndefined();
    expect(codeOf(request('OPTIONS', '/graphql'))).toBeUndefined();
  });

  it('refuses a GET of a subscription as a POST of one is, the operation picked by operationName', () => {
    expect(requestShapeError(get({ query: SUBSCRIPTION }), '/graphql')?.message).toMatch(
      /^subscriptions are served over WebSocket, not HTTP: open ws:\/\/<gateway>\/graphql/,
    );
    expect(
      codeOf(get({ query: `query Q { __typename } ${SUBSCRIPTION}`, operationName: 'S' })),
    ).toMatchObject({
      code: 'BAD_REQUEST',
    });
    // A query, a document that does not parse, or one given twice: Apollo's to answer.
    expect(
      codeOf(get({ query: `query Q { __typename } ${SUBSCRIPTION}`, operationName: 'Q' })),
    ).toBeUndefined();
    expect(codeOf(get({ query: 'subscription {' }))).toBeUndefined();
    expect(
      codeOf(request('GET', `/graphql?query=${encodeURIComponent(SUBSCRIPTION)}&query=x`)),
    ).toBeUndefined();
  });

  it("refuses a persisted query's malformed hash in a GET's extensions and a POST's body", () => {
    const extensions = { persistedQuery: { version: 1, sha256Hash: 'abc' } };
    const named = { code: 'BAD_REQUEST', field: 'extensions.persistedQuery.sha256Hash' };
    expect(codeOf(get({ extensions: JSON.stringify(extensions) }))).toEqual(named);
    expect(codeOf(get({ extensions: '{not json' }))).toBeUndefined();
    const json = { 'content-type': 'application/json', 'content-length': '60' };
    expect(codeOf(request('POST', '/graphql', json, { extensions }))).toEqual(named);
  });

  it('tells an empty POST from one without a body Apollo reads', () => {
    expect(
      requestShapeError(request('POST', '/graphql', { 'content-type': 'application/json' }, {}), '/graphql')
        ?.message,
    ).toMatch(/^the request body is empty/);
    const chunked = { 'content-type': 'application/json', 'transfer-encoding': 'chunked' };
    expect(requestShapeError(request('POST', '/graphql', chunked, {}), '/graphql')?.message).toMatch(
      /^the request body is an object with no keys/,
    );
    const served = { 'content-type': 'application/json', 'content-length': '27' };
    expect(codeOf(request('POST', '/graphql', served, { query: '{ __typename }' }))).toBeUndefined();
  });
});
