import type { GraphQLError } from 'graphql';
import { SHAPE } from './bad-body';
import { apiError } from './errors';

/** What of a POST the gateway can see without its body: its content type, and whether it has a body. */
export interface PostShape {
  /** The content-type header, if any. */
  contentType: string | undefined;
  /** Whether the request carries a body at all (a content-length above 0, or one sent chunked). */
  hasBody: boolean;
  /** The body as the parsers left it (JSON or URL-encoded only; anything else is not read). */
  body: unknown;
}

/** The content types whose bodies the gateway reads (the JSON and URL-encoded body parsers). */
const READ = new Set(['application/json', 'application/x-www-form-urlencoded']);

/**
 * A POST whose body is no object with a key is refused with which of Apollo's three causes it is
 * ("POST body missing, invalid Content-Type, or JSON object has no keys."): no content-type
 * header, a content type the gateway does not read (which one), an empty body, or an object with
 * no keys. Undefined for an object with keys, and for a list (a batch: Apollo's own refusal says
 * so, errors.ts).
 */
export function emptyPostError({ contentType, hasBody, body }: PostShape): GraphQLError | undefined {
  if (Array.isArray(body)) return undefined;
  if (typeof body === 'object' && body !== null && Object.keys(body).length > 0) return undefined;
  const essence = contentType?.split(';')[0]?.trim().toLowerCase();
  const asJson = 'send the body as JSON, with the header content-type: application/json';
  if (!essence)
    return apiError(
      'BAD_REQUEST',
      `the request has no content-type header, so its body was not read: ${asJson}`,
    );
  if (!READ.has(essence))
    return apiError(
      'BAD_REQUEST',
      `the request's content-type is ${JSON.stringify(essence)}, which the gateway does not read: ${asJson}`,
    );
  if (!hasBody) return apiError('BAD_REQUEST', `the request body is empty: ${SHAPE}`);
  return apiError('BAD_REQUEST', `the request body is an object with no keys: ${SHAPE}`);
}
