import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLError } from 'graphql';
import { SHAPE } from './bad-body';
import { emptyPostError } from './empty-post';
import { apiError } from './errors';
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
 * The methods left to Apollo: POST and GET carry a request, HEAD is a GET without its answer's
 * body, and OPTIONS a browser's preflight (answered by CORS before this, where it is on).
 */
const METHODS = new Set(['POST', 'GET', 'HEAD', 'OPTIONS']);

/**
 * Any other method (PUT, DELETE, PATCH…), answered as Apollo did (405, Allow: GET, POST) but naming
 * the part at fault and saying how to send the request, where Apollo said only "Apollo Server
 * supports only GET/POST requests".
 */
function methodError(method: string): GraphQLError {
  return apiError(
    'BAD_REQUEST',
    `a GraphQL request is not sent with ${method}: POST it with content-type application/json and ${SHAPE} (a query may also be a GET with ?query=…)`,
    'method',
    { http: { status: 405, allow: 'GET, POST' } },
  );
}

/**
 * What is wrong with a request's shape that Apollo answers in words that leave the client guessing,
 * or with the wrong code, and that only the request itself tells: a method that carries no
 * GraphQL request, a POST without a body Apollo reads (empty-post.ts), a persisted query whose
 * hash is no sha256 (persisted-query-hash.ts), a subscription sent as a GET
 * (http-subscriptions.ts). Undefined for anything else.
 */
export function requestShapeError(req: Request, path: string): GraphQLError | undefined {
  const method = req.method ?? 'GET';
  if (!METHODS.has(method)) return methodError(method);
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
 * size, nesting.ts): a request requestShapeError finds wrong is answered with its error, 400 as
 * Apollo answers a malformed request (405 with Allow for a method that carries none); any other
 * goes on.
 */
export const httpRequestShape =
  (path: string) =>
  (req: Request, res: ServerResponse, next: () => void): void => {
    const error = requestShapeError(req, path);
    if (!error) return next();
    const { http, ...extensions } = error.extensions as { http?: { status?: number; allow?: string } };
    res.statusCode = http?.status ?? 400;
    if (http?.allow) res.setHeader('allow', http.allow);
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ errors: [{ message: error.message, extensions }] }));
  };
