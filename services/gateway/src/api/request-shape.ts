import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLError } from 'graphql';
import { emptyPostError } from './empty-post';
import { getSubscriptionError } from './http-subscriptions';
import { persistedQueryHashError } from './persisted-query-hash';

type Request = IncomingMessage & { body?: unknown };

/** A search parameter given exactly once (Apollo refuses one given twice), else undefined. */
function once(search: URLSearchParams, name: string): string | undefined {
  const all = search.getAll(name);
  return all.length === 1 ? all[0] : undefined;
}

/** A GET's `extensions` parameter, as Apollo reads it (JSON); undefined when it is not JSON. */
function extensionsOf(search: URLSearchParams): unknown {
  const text = once(search, 'extensions');
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // Apollo's to refuse
  }
}

/**
 * What is wrong with a request's shape that Apollo answers in words that leave the client guessing,
 * or with the wrong code, and that only the request itself tells: a POST without a body Apollo
 * reads (empty-post.ts), a persisted query whose hash is no sha256 (persisted-query-hash.ts), a
 * subscription sent as a GET (http-subscriptions.ts). Undefined for anything else.
 */
export function requestShapeError(req: Request, path: string): GraphQLError | undefined {
  if (req.method === 'POST') {
    const { body } = req;
    const contentLength = req.headers['content-length'];
    return (
      emptyPostError({
        contentType: req.headers['content-type'],
        hasBody:
          req.headers['transfer-encoding'] !== undefined ||
          (contentLength !== undefined && contentLength !== '0'),
        body,
      }) ??
      persistedQueryHashError(
        typeof body === 'object' && body !== null ? (body as { extensions?: unknown }).extensions : undefined,
      )
    );
  }
  if (req.method === 'GET') {
    const search = new URLSearchParams((req.url ?? '').split('?').slice(1).join('?'));
    const hash = persistedQueryHashError(extensionsOf(search));
    if (hash) return hash;
    const query = once(search, 'query');
    return query === undefined ? undefined : getSubscriptionError(query, once(search, 'operationName'), path);
  }
  return undefined;
}

/**
 * An Express middleware before Apollo (after the body parsers, the rate limit and the document's
 * size, nesting.ts): a request requestShapeError finds wrong is answered 400 with its error, as
 * Apollo answers a malformed request; any other goes on.
 */
export const httpRequestShape =
  (path: string) =>
  (req: Request, res: ServerResponse, next: () => void): void => {
    const error = requestShapeError(req, path);
    if (!error) return next();
    const { http: _http, ...extensions } = error.extensions;
    res.statusCode = 400;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ errors: [{ message: error.message, extensions }] }));
  };
