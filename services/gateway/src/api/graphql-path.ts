import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Answers a request to a path below the GraphQL endpoint (`/graphql/x`, `/graphql//`) 404, with a
 * GraphQL error saying where the endpoint is. Apollo is mounted on the endpoint with every path
 * below it and never looks at the rest; the gateway's checks before it (the rate limit, the
 * document's size and nesting) match the endpoint's own path only, so a request to a path below it
 * reached Apollo with none of them.
 */
export function belowGraphqlPath(path: string) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    res.statusCode = 404;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(
      JSON.stringify({
        errors: [
          {
            message: `no such path: GraphQL is served at ${path} itself, not below it`,
            extensions: { code: 'NOT_FOUND' },
          },
        ],
      }),
    );
  };
}
