import { expressMiddleware } from '@as-integrations/express5';

/**
 * Apollo's Express 5 integration is patched (`patches/@as-integrations+express5+1.1.2.patch`): it
 * read every request's query string with `url.parse(req.url)`, which on Node 24, called from
 * node_modules, inspects its caller's stack on every call to decide its deprecation warning (about
 * 1.3 % of the gateway's CPU under bench:trading). It now parses only a URL with a `?`; one without
 * has no query string either way.
 */
// The module object itself (an `import * as` copy's properties cannot be spied on), whose `parse`
// the integration looks up at each call.
const url = require('node:url') as typeof import('node:url');

describe('the query string Apollo is given', () => {
  async function searchOf(requestUrl: string): Promise<string> {
    let search: string | undefined;
    const server = {
      assertStarted: () => undefined,
      executeHTTPGraphQLRequest: async ({
        httpGraphQLRequest,
      }: {
        httpGraphQLRequest: { search: string };
      }) => {
        search = httpGraphQLRequest.search;
        return { headers: new Map<string, string>(), status: 200, body: { kind: 'complete', string: '{}' } };
      },
    };
    const handler = expressMiddleware(server as never);
    const req = {
      body: {},
      headers: { 'content-type': 'application/json' },
      method: 'post',
      url: requestUrl,
    };
    const res = { setHeader: () => undefined, send: () => undefined, statusCode: 0 };
    await handler(req as never, res as never, () => undefined);
    return search!;
  }

  afterEach(() => jest.restoreAllMocks());

  it('is empty for a URL without one, and url.parse is not called', async () => {
    const parse = jest.spyOn(url, 'parse');
    expect(await searchOf('/graphql')).toBe('');
    expect(await searchOf('/graphql#fragment')).toBe('');
    expect(parse).not.toHaveBeenCalled();
  });

  it('is what url.parse gives for a URL with one', async () => {
    for (const requestUrl of ['/graphql?query=%7B__typename%7D', '/graphql?', '/graphql?a=1#h', '/g?a b'])
      expect(await searchOf(requestUrl)).toBe(url.parse(requestUrl).search ?? '');
  });
});
