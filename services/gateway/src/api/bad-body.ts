import type { BodyError } from '@gpux/platform';
import type { GraphQLFormattedError } from 'graphql';

/** What a request body should be, as the refusals of one that is not say. */
export const SHAPE = 'send a JSON object such as {"query": "{ __typename }", "variables": {}}';

/** What to fix, for a request body Express could not read. */
export function badBodyMessage(error: BodyError): string {
  switch (error.type) {
    case 'entity.parse.failed':
      // The parser's words for JSON that is not an object call it invalid JSON, which it is not.
      return error.jsonScalar
        ? `the request body is not a JSON object but ${error.jsonScalar}: ${SHAPE}`
        : `the request body is not a JSON object (${error.message}): ${SHAPE}`;
    case 'entity.too.large':
      return `the request body is over ${error.limit ?? 'the limit of'} bytes: send less (a query's variables, not its data)`;
    case 'charset.unsupported':
      return `${error.message}: send the body as JSON in UTF-8 (content-type: application/json)`;
    case 'headers.too.large':
      return `${error.message}: send a long query in the body of a POST, not in the URL, and one key of at most 256 characters in the Authorization header`;
    case 'request.unreadable':
      return `${error.message}: send a POST with content-type application/json and ${SHAPE.replace('send ', '')}`;
    case 'request.timeout':
      return error.message;
    case 'encoding.corrupt':
      return `${error.message}: send it compressed whole, with gzip, deflate or br as its content-encoding header names, or uncompressed without one`;
    case 'encoding.unsupported':
      return `${error.message}: send the body uncompressed, or with content-encoding gzip, deflate or br`;
    default:
      return `the request body could not be read (${error.message}): ${SHAPE}`;
  }
}

/**
 * A body the gateway cannot read is answered as GraphQL answers a malformed request: one error
 * with BAD_REQUEST and what to fix, under the parser's status (400, 413 or 415), rather than
 * Express' `{ statusCode, message }`; so is a request Node cannot parse (431, 400) or did not
 * receive whole in time (408), which Node answered with a bare status line.
 */
export function badBodyAnswer(error: BodyError): { errors: GraphQLFormattedError[] } {
  return { errors: [{ message: badBodyMessage(error), extensions: { code: 'BAD_REQUEST' } }] };
}
