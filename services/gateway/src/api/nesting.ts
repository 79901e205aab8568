import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { apiError } from './errors';
import { tokensError } from './tokens';
import { subscriptionRootTextError } from './subscription-root';

/*
 * How deep a document's brackets may nest, checked on its text before it is parsed. graphql-js
 * parses and validates recursively: a list literal thousands of brackets deep overflowed the stack
 * ("Maximum call stack size exceeded", as the whole answer), and values just under that reached
 * the services. The limit is far above what any operation of this API needs: selections stop at
 * MAX_DEPTH (8), introspection at 24, the certification protocol's JSON at MAX_JSON_DEPTH (32).
 */
export const MAX_NESTING = 64;

/**
 * The deepest the `{ [ (` of a GraphQL document nest, outside strings, block strings and comments;
 * stops counting once past `limit`. A scan of the text: no recursion, whatever it holds.
 */
export function documentNesting(source: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (c === 0x22 /* " */) {
      if (source.startsWith('"""', i)) {
        i += 3;
        while (i < source.length && !source.startsWith('"""', i)) i += source.startsWith('\\"""', i) ? 4 : 1;
        i += 2;
      } else {
        i++;
        while (i < source.length && source[i] !== '"' && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */ || c === 0x28 /* ( */) {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */ || c === 0x29 /* ) */) {
      depth = Math.max(0, depth - 1);
    }
  }
  return deepest;
}

/** QUERY_TOO_COMPLEX when `source` nests deeper than MAX_NESTING; undefined otherwise. */
export function nestingError(source: string): GraphQLError | undefined {
  const depth = documentNesting(source, MAX_NESTING);
  if (depth <= MAX_NESTING) return undefined;
  return apiError(
    'QUERY_TOO_COMPLEX',
    `the document nests its brackets more than ${MAX_NESTING} deep; no operation of this API needs more: send a shallower one`,
  );
}

/**
 * The query texts of a GraphQL request over HTTP, read where Apollo reads them: a GET's from its
 * URL (URLSearchParams, every `query` parameter), anything else's from its JSON body. Reading a
 * GET's body, or the URL through Express' parser (which stops at 1,000 parameters), let a GET
 * carry one document past these checks and have Apollo run another.
 */
export function queriesOf(req: IncomingMessage & { body?: unknown }): string[] {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const search = (req.url ?? '').split('?').slice(1).join('?');
    return new URLSearchParams(search).getAll('query');
  }
  const body = req.body;
  const query = body && typeof body === 'object' ? (body as { query?: unknown }).query : undefined;
  return typeof query === 'string' ? [query] : [];
}

/**
 * What is wrong with a document's text before it is parsed: nested too deep (nestingError), or too
 * many tokens (tokensError, tokens.ts); undefined when neither.
 */
export function documentTextError(source: string): GraphQLError | undefined {
  return nestingError(source) ?? tokensError(source);
}

/**
 * Over HTTP, an Express middleware before Apollo: an Apollo plugin cannot refuse a request before
 * it is parsed (an error thrown from didResolveSource is answered 500). Over graphql-ws:
 * subscriptions.ts, before it parses.
 */
export function httpDocumentLimits(
  req: IncomingMessage & { body?: unknown; query?: unknown },
  res: ServerResponse,
  next: () => void,
): void {
  let error: GraphQLError | undefined;
  for (const query of queriesOf(req)) error ??= documentTextError(query) ?? subscriptionRootTextError(query);
  if (!error) return next();
  res.statusCode = 400;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ errors: [{ message: error.message, extensions: error.extensions }] }));
}
