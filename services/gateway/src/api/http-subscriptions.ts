import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST, GraphQLError, parse } from 'graphql';
import { apiError } from './errors';

/** Where a subscription sent over HTTP is told to go. */
export function httpSubscriptionError(path: string): GraphQLError {
  return apiError(
    'BAD_REQUEST',
    `subscriptions are served over WebSocket, not HTTP: open ws://<gateway>${path} with the graphql-transport-ws protocol (e.g. the graphql-ws client) and subscribe there`,
    undefined,
    // Over HTTP the answer is 400, like any request the client must change (Apollo drops `http`).
    { http: { status: 400 } },
  );
}

/**
 * A subscription sent over HTTP is refused with BAD_REQUEST (HTTP 400) and where to send it:
 * subscriptions are served over WebSocket only (api/subscriptions.ts). Apollo would otherwise
 * execute it as a query, and its resolver, made for a stream, would answer null.
 */
export const httpSubscriptionsPlugin = (path: string): ApolloServerPlugin => ({
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation !== 'subscription') return;
        throw httpSubscriptionError(path);
      },
    };
  },
});

/**
 * A GET whose operation is a subscription, refused as a POST of one is (httpSubscriptionsPlugin):
 * Apollo refuses it before any plugin sees the operation, 405 with `Allow: POST`, though a POST of
 * it is refused too. Run before Apollo (request-shape.ts), on the document's text once its size
 * is checked (nesting.ts); a document that does not parse, or names no operation, is Apollo's to
 * refuse.
 */
export function getSubscriptionError(
  query: string,
  operationName: string | undefined,
  path: string,
): GraphQLError | undefined {
  // No subscription without the word: most GETs are not parsed here a second time (Apollo parses).
  if (!query.includes('subscription')) return undefined;
  let operation;
  try {
    operation = getOperationAST(parse(query, { noLocation: true }), operationName);
  } catch {
    return undefined;
  }
  return operation?.operation === 'subscription' ? httpSubscriptionError(path) : undefined;
}
